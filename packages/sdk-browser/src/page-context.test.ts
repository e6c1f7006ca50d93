import { describe, expect, it } from 'vitest';
import { campaignFromUrl, kinLinkFromUrl, pageContext } from './page-context.ts';

describe('campaignFromUrl', () => {
  it('maps the five UTM parameters to analytics.js campaign names', () => {
    const url = 'https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign=spring&utm_term=shoes&utm_content=hero';
    expect(campaignFromUrl(url)).toEqual({
      source: 'newsletter',
      medium: 'email',
      name: 'spring',
      term: 'shoes',
      content: 'hero',
    });
  });

  it('keeps only the parameters present and decodes them', () => {
    expect(campaignFromUrl('https://shop.example/?utm_campaign=big%20sale&x=1')).toEqual({ name: 'big sale' });
  });

  it('returns undefined without UTM parameters or for a bad URL', () => {
    expect(campaignFromUrl('https://shop.example/?ref=1')).toBeUndefined();
    expect(campaignFromUrl('not a url')).toBeUndefined();
  });
});

describe('kinLinkFromUrl', () => {
  it('reads the kin_link click token', () => {
    expect(kinLinkFromUrl('https://shop.example/p?kin_link=lnk_123&utm_source=x')).toBe('lnk_123');
  });

  it('ignores a missing or empty token', () => {
    expect(kinLinkFromUrl('https://shop.example/p')).toBeUndefined();
    expect(kinLinkFromUrl('https://shop.example/p?kin_link=')).toBeUndefined();
  });
});

describe('pageContext', () => {
  it('splits the URL and drops the fragment', () => {
    expect(pageContext('https://shop.example/a/b?q=1#top', 'Title', 'https://ref.example/')).toEqual({
      path: '/a/b',
      referrer: 'https://ref.example/',
      search: '?q=1',
      title: 'Title',
      url: 'https://shop.example/a/b?q=1',
    });
  });
});
