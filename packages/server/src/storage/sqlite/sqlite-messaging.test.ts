import { runMessagingConformance } from '../messaging-conformance.ts';
import { openStore } from '../store-open.ts';

runMessagingConformance({ name: 'sqlite', create: () => openStore(':memory:'), destroy: (store) => store.close() });
