import { renderNotice } from '../../templates/notices';

const content = {
  number: '71.UO.2026.000021.1',
  childFirstName: 'Әлихан',
  offered: [{ name: 'Ясли-сад «Ақбота»', address: 'г. Астана, пр. Республики, 5', phone: null }],
  windowEndsAt: '2026-12-01T19:00:00.000Z',
};

describe('R10 the region’s contacts in the notices’ footer', () => {
  it.each([
    ['ru', 'Служба поддержки: 466 756', 'E-mail: akimat.itfactory@gmail.com', 'Часы работы: пн–пт 9:00–18:30'],
    ['kk', 'Қолдау қызметі: 466 756', 'E-mail: akimat.itfactory@gmail.com', 'Жұмыс уақыты: пн–пт 9:00–18:30'],
  ] as const)('R10.1 in %s: support phone, e-mail and hours in the e-mail (HTML and text), not in the SMS', (language, support, email, hours) => {
    const n = renderNotice('turn_arrived', language, { ...content, contacts: { support: '466 756', email: 'akimat.itfactory@gmail.com', hours: 'пн–пт 9:00–18:30' } });
    for (const line of [support, email, hours]) {
      expect(n.text).toContain(line);
      expect(n.html).toContain(line);
    }
    expect(n.text.trimEnd().endsWith(hours)).toBe(true);
    expect(n.sms).not.toContain('466 756');
  });

  it('R10.1 a region without contacts gets no footer; a contact value is escaped in HTML and kept to one line', () => {
    const bare = renderNotice('turn_arrived', 'ru', content);
    expect(bare.text).not.toContain('Служба поддержки');
    const hostile = renderNotice('turn_arrived', 'ru', { ...content, contacts: { phone: '<script>x</script>\n1308' } });
    expect(hostile.html).toContain('Телефон: &lt;script&gt;x&lt;/script&gt; 1308');
    expect(hostile.html).not.toContain('<script>');
    expect(hostile.text).toContain('Телефон: <script>x</script> 1308');
  });
});
