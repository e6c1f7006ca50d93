import { describe, expect, it } from 'vitest';
import { parseTemplate, renderTemplate, templateProblem } from './message-template.ts';
import { escapeHtml, renderContent, renderEmail } from './email-render.ts';

const scope = {
  trigger: { properties: { cart_id: 'c 7', total: 42, items: [1] } },
  profile: { id: 'p1', traits: { first_name: 'Ann', empty: '' } },
};

describe('templates', () => {
  it('parses text and tags with filters, spaces allowed around the pipe and colon', () => {
    expect(parseTemplate('Hi {{ profile.traits.first_name | default: "there" | upcase }}!')).toEqual({
      parts: [
        { text: 'Hi ' },
        { path: 'profile.traits.first_name', filters: [{ name: 'default', text: 'there' }, { name: 'upcase' }] },
        { text: '!' },
      ],
    });
    expect(parseTemplate("{{trigger.properties.cart_id|default:'none'}}")).toEqual({
      parts: [{ path: 'trigger.properties.cart_id', filters: [{ name: 'default', text: 'none' }] }],
    });
    expect(parseTemplate('no tags }} here')).toEqual({ parts: [{ text: 'no tags }} here' }] });
  });

  it('names an unclosed tag, a tag without a path, an unknown filter and a default without text', () => {
    expect(templateProblem('Hi {{profile.traits.first_name', ['profile'])).toMatch(/unclosed tag/);
    expect(templateProblem('Hi {{profile.traits.a {{x}}', ['profile'])).toMatch(/unclosed tag/);
    expect(templateProblem('{{ }}', ['trigger'])).toMatch(/dotted path/);
    expect(templateProblem('{{trigger.x | shout}}', ['trigger'])).toMatch(/unknown filter "shout"/);
    expect(templateProblem('{{trigger.x | default}}', ['trigger'])).toMatch(/default needs quoted text/);
    expect(templateProblem('{{trigger.x | upcase: "a"}}', ['trigger'])).toMatch(/takes no argument/);
  });

  it('names an unknown root, and a profile path other than id or traits', () => {
    expect(templateProblem('{{customer.name}}', ['trigger', 'profile'])).toMatch(/unknown root/);
    expect(templateProblem('{{profile.traits.first_name}}', ['trigger'])).toMatch(/unknown root/);
    expect(templateProblem('{{profile.first_name}}', ['trigger', 'profile'])).toMatch(/profile\.traits/);
    expect(templateProblem('{{trigger}}', ['trigger'])).toMatch(/names no property/);
    expect(templateProblem('{{profile.id}} {{profile.traits.a-b}} {{trigger.properties.x}}', ['trigger', 'profile'])).toBeUndefined();
  });

  it('keys fail on a missing value; content renders it empty or as its default', () => {
    expect(renderTemplate('cart:{{trigger.properties.cart_id}}', scope)).toBe('cart:c 7');
    expect(renderTemplate('cart:{{trigger.properties.nope}}', scope)).toBeUndefined();
    expect(renderTemplate('cart:{{trigger.properties.nope | default: "x"}}', scope)).toBe('cart:x');
    expect(renderTemplate('[{{trigger.properties.items}}]', scope, { missing: 'empty' })).toBe('[]');
    expect(renderTemplate('{{profile.traits.empty | default: "there"}}', scope, { missing: 'empty' })).toBe('there');
    expect(renderTemplate('{{trigger.properties.total}} {{trigger.properties.cart_id | url_encode}}', scope)).toBe('42 c%207');
    expect(renderTemplate('{{profile.traits.first_name | downcase}} {{profile.traits.first_name | upcase}}', scope)).toBe('ann ANN');
    expect(renderTemplate('{{trigger.x', scope, { missing: 'empty' })).toBeUndefined();
  });
});

describe('email rendering', () => {
  const fallback = { subject: 'cart-reminder', text: 'cart-reminder' };
  it('escapes values, never the template, in HTML; subject and text take values as they are', () => {
    const traits = { first_name: 'Ann <b>&</b> "Bo"', city: "O'Hare\r\nX" };
    const email = renderEmail(
      {
        subject: 'Hi {{profile.traits.first_name}} from {{profile.traits.city}}',
        text: 'Hi {{profile.traits.first_name}}: https://shop.example/c/{{trigger.properties.cart_id | url_encode}}',
        html: '<p>Hi <b>{{profile.traits.first_name}}</b> <a href="https://shop.example/c?id={{trigger.properties.cart_id}}&x=1">cart</a></p>',
      },
      { trigger: scope.trigger, profile: { id: 'p1', traits } },
      fallback,
    );
    expect(email).toEqual({
      subject: `Hi Ann <b>&</b> "Bo" from O'Hare X`,
      text: 'Hi Ann <b>&</b> "Bo": https://shop.example/c/c%207',
      html: '<p>Hi <b>Ann &lt;b&gt;&amp;&lt;/b&gt; &quot;Bo&quot;</b> <a href="https://shop.example/c?id=c 7&x=1">cart</a></p>',
    });
    expect(escapeHtml(`<'&">`)).toBe('&lt;&#39;&amp;&quot;&gt;');
  });
  it('uses the fallback subject and text when the step has none, or the subject renders empty', () => {
    const s = { trigger: {}, profile: { id: 'p1', traits: {} } };
    expect(renderEmail(undefined, s, fallback)).toEqual(fallback);
    expect(renderEmail({ subject: '{{profile.traits.none}}', html: '<p>x</p>' }, s, fallback)).toEqual({ ...fallback, html: '<p>x</p>' });
  });
});

describe('content rendering (webhook and Segment channels)', () => {
  it('renders each named template as text, values as they are, missing ones empty or their default', () => {
    const s = { trigger: { properties: { cart_id: 'c 7', total: 42 } }, profile: { id: 'p1', traits: { first_name: 'Ann "<A>"' } } };
    expect(
      renderContent(
        {
          title: 'Cart {{trigger.properties.cart_id}} ({{trigger.properties.total}})',
          body: 'Hi {{profile.traits.first_name}}, {{profile.traits.city}}!',
          link: 'https://shop.example/c/{{trigger.properties.cart_id | url_encode}}?n={{profile.traits.nick | default: "you"}}',
        },
        s,
      ),
    ).toEqual({ title: 'Cart c 7 (42)', body: 'Hi Ann "<A>", !', link: 'https://shop.example/c/c%207?n=you' });
    expect(renderContent(undefined, s)).toBeUndefined();
  });
});
