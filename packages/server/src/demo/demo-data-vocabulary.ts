/**
 * The words the demo shop is made of (names, domains, products, pages, screens, campaigns) and the small
 * text helpers the generators share. Split from demo-data.ts so the generators read as behaviour.
 */

export const FIRST = [
  'Ann',
  'Ben',
  'Chloé',
  'Dev',
  'Emma',
  'Farid',
  'Grace',
  'Hugo',
  'Ines',
  'Jonas',
  'Kira',
  'Liam',
  'Maya',
  'Noah',
  'Olga',
  'Pablo',
  'Quinn',
  'Rosa',
  'Sami',
  'Tara',
  'Uma',
  'Viktor',
  'Wen',
  'Yara',
  'Zoe',
];
export const LAST = [
  'Adams',
  'Berg',
  'Costa',
  'Dubois',
  'Evans',
  'Fischer',
  'García',
  'Hansen',
  'Ito',
  'Jensen',
  'Kowalski',
  'Larsen',
  'Moreau',
  'Nakamura',
  'Okafor',
  'Petrov',
  'Rossi',
  'Silva',
  'Tanaka',
  'Weber',
];
export const DOMAINS = ['example.com', 'mail.example', 'inbox.example', 'post.example'];
export const PRODUCTS = ['Trail Shoe', 'Rain Jacket', 'Wool Socks', 'Day Pack', 'Water Bottle', 'Headlamp', 'Camp Mug', 'Beanie'];
export const PAGES = ['/', '/new', '/sale', '/products/trail-shoe', '/products/rain-jacket', '/cart', '/stories/alps'];
export const SCREENS = ['Home', 'Search', 'Product', 'Cart', 'Checkout', 'Orders'];
export const CAMPAIGNS = ['spring-sale', 'new-arrivals', 'winback', 'weekly-digest'];

/** Letters only, accents dropped (for email local parts and handles). */
export function ascii(text: string): string {
  return text.normalize('NFD').replace(/[^A-Za-z]/g, '');
}

/** A realistic typo: a swapped pair, a dropped letter or a misspelt domain. */
export function withTypo(email: string, rnd: () => number): string {
  const at = email.indexOf('@');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  const r = rnd();
  if (r < 0.34 && local.length > 3) return `${local.slice(0, 1)}${local.slice(2, 3)}${local.slice(1, 2)}${local.slice(3)}@${domain}`;
  if (r < 0.67 && local.length > 3) return `${local.slice(0, 2)}${local.slice(3)}@${domain}`;
  return `${local}@${domain.replace('example', 'exmaple')}`;
}
