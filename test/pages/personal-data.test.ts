import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseHtmlDocument } from '../../src/html/html-tree.js';
import { findPersonalData, PersonalDataAllowlist } from '../../src/pages/personal-data.js';

async function kindsIn(html: string, allowlist: readonly string[] = []): Promise<string[]> {
  return findPersonalData(await parseHtmlDocument(html), new PersonalDataAllowlist(allowlist)).map((finding) => finding.kind);
}

describe('findPersonalData', () => {
  const reported: [string, string, string][] = [
    ['token in text', '<p>Cher {contact.display_name}</p>', 'civicrm-token'],
    ['Smarty token', '<p>{$contact.email_greeting}</p>', 'civicrm-token'],
    ['token with a default', '<p>{contact.first_name|default:"ami"}</p>', 'civicrm-token'],
    ['percent-encoded token in a link', '<a href="https://x.example/?n=%7Bcontact.first_name%7D">x</a>', 'civicrm-token'],
    ['action token', '<a href="{action.unsubscribeUrl}">Se désinscrire</a>', 'civicrm-token'],
    ['token in a comment', '<!-- {contact.email} -->', 'civicrm-token'],
    ['checksum with cid', '<a href="https://x.example/civicrm/contribute/transact?reset=1&amp;id=1&amp;cid=99&amp;cs=0a1b">Don</a>', 'contact-checksum'],
    ['checksum with cid1', '<a href="https://x.example/civicrm/profile/edit?gid=1&amp;cid1=99&amp;cs=0a1b">Profil</a>', 'contact-checksum'],
    ['Drupal 7 open pixel', '<img src="https://x.example/?q=civicrm/mailing/open&amp;qid=77" alt="">', 'civicrm-tracking-link'],
    ['legacy click-through', '<a href="https://x.example/sites/all/modules/civicrm/extern/url.php?u=5&amp;qid=77">x</a>', 'civicrm-tracking-link'],
    ['legacy open pixel', '<img src="https://x.example/sites/all/modules/civicrm/extern/open.php?q=77" alt="">', 'civicrm-tracking-link'],
    ['opt-out with hash', '<a href="https://x.example/civicrm/mailing/optout?reset=1&amp;jid=1&amp;qid=2&amp;h=abc">x</a>', 'civicrm-tracking-link'],
    ['resubscribe with hash', '<a href="https://x.example/civicrm/mailing/resubscribe?reset=1&amp;jid=1&amp;qid=2&amp;h=abc">x</a>', 'civicrm-tracking-link'],
    ['tracking URL in text', '<p>https://x.example/civicrm/mailing/url?u=5&qid=77</p>', 'civicrm-tracking-link'],
    ['address in alt', '<img src="https://x.example/a.png" alt="photo de jean@example.net">', 'email-address'],
    ['address in a query', '<a href="https://x.example/form?email=jean%40example.net">x</a>', 'email-address'],
    ['mobile with dots', '<p>06.12.34.56.78</p>', 'phone-number'],
    ['landline with dashes', '<p>01-23-45-67-89</p>', 'phone-number'],
    ['0033 prefix', '<p>0033 1 23 45 67 89</p>', 'phone-number'],
    ['tel: link', '<a href="tel:+33612345678">Appeler</a>', 'phone-number'],
    ['Belgian number', '<p>+32 2 123 45 67</p>', 'phone-number'],
    ['compact IBAN', '<p>FR7630006000011234567890189</p>', 'iban'],
  ];
  for (const [name, html, kind] of reported) {
    it(`reports ${name}`, async () => {
      assert.deepEqual(await kindsIn(html), [kind]);
    });
  }

  const ignored: [string, string][] = [
    ['dates and prices', '<p>Le 25/12/2026 à 10 h 30, 12,50 € ; commande 2026-0012345.</p>'],
    ['a long number without phone shape', '<p>Référence 12345678901234</p>'],
    ['an IBAN with wrong check digits', '<p>FR76 3000 6000 0112 3456 7890 188</p>'],
    ['an id without checksum', '<a href="https://x.example/civicrm/event/info?reset=1&amp;id=4">Infos</a>'],
    ['a click-through without qid', '<a href="https://x.example/civicrm/mailing/url?u=5">x</a>'],
    ['an unsubscribe form without hash', '<a href="https://x.example/civicrm/mailing/unsubscribe?reset=1">x</a>'],
    ['a domain token lookalike in braces', '<p>{ contact.first_name }</p>'],
    ['a data: image', '<img src="data:image/png;base64,AAAA0612345678FR7630006000011234567890189" alt="">'],
    ['CSS with a base64 image', '<style>a { background: url(data:image/png;base64,0612345678) }</style>'],
  ];
  for (const [name, html] of ignored) {
    it(`ignores ${name}`, async () => {
      assert.deepEqual(await kindsIn(html), []);
    });
  }

  it('counts occurrences under one id', async () => {
    const findings = findPersonalData(await parseHtmlDocument('<p>{contact.first_name}</p><p>{contact.first_name}</p>'), new PersonalDataAllowlist([]));
    assert.equal(findings.length, 1);
    assert.equal(findings[0]?.occurrences, 2);
  });

  it('gives the same id whatever the spacing', async () => {
    const first = findPersonalData(await parseHtmlDocument('<p>06 12 34 56 78</p>'), new PersonalDataAllowlist([]));
    const second = findPersonalData(await parseHtmlDocument('<p>+33 6.12.34.56.78</p>'), new PersonalDataAllowlist([]));
    assert.equal(first[0]?.id, second[0]?.id);
  });

  it('allows listed values and domains', async () => {
    const html = '<p>accueil@paroisse.fr, cure@paroisse.fr, +33 1 23 45 67 89, FR7630006000011234567890189, autre@example.net</p>';
    const kinds = await kindsIn(html, ['@Paroisse.fr', '01.23.45.67.89', 'FR76 3000 6000 0112 3456 7890 189']);
    assert.deepEqual(kinds, ['email-address']);
  });
});
