/** The SDK's name and version as sent in `context.library`; a test keeps it equal to package.json. */
export const SDK_LIBRARY = { name: 'kin-sdk-browser', version: '0.1.0' } as const;
