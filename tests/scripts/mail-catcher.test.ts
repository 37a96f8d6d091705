import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { eventually } from '../helpers/waits';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

describe('the mail catcher npm start runs without SMTP_URL (R9.1)', () => {
  let catcher: ChildProcess;
  let smtpPort: number;
  let webPort: number;

  beforeAll(async () => {
    [smtpPort, webPort] = [await freePort(), await freePort()];
    const root = path.join(__dirname, '..', '..');
    catcher = spawn(process.execPath, ['--import', 'tsx', 'scripts/mail-catcher.ts'], {
      cwd: root,
      env: { ...process.env, MAIL_CATCHER_SMTP_PORT: String(smtpPort), MAIL_CATCHER_PORT: String(webPort) },
      stdio: 'ignore',
    });
    await eventually(() => fetch(`http://127.0.0.1:${webPort}/messages.json`).then((r) => r.ok, () => false), (ok) => ok, 'the catcher’s page up');
  });

  afterAll(() => {
    catcher?.kill('SIGTERM');
  });

  it('R9.1 shows a notice it received on its page, escaped, with the message as sent', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
    await transport.sendMail({ from: 'noreply@kindergarten-queue.kz', to: 'parent@example.kz', subject: 'Кезегіңіз келді <b>', text: 'Балабақшаны таңдаңыз', html: '<p>Балабақшаны таңдаңыз</p>', messageId: '<abc@kindergarten-queue.kz>' });
    transport.close();
    const messages = await eventually(
      () => fetch(`http://127.0.0.1:${webPort}/messages.json`).then((r) => r.json() as Promise<{ id: number; subject: string; to: string; messageId: string }[]>),
      (list) => list.length === 1,
      'one message caught',
    );
    expect(messages[0]).toMatchObject({ subject: 'Кезегіңіз келді <b>', to: 'parent@example.kz', messageId: '<abc@kindergarten-queue.kz>' });
    const page = await (await fetch(`http://127.0.0.1:${webPort}/`)).text();
    expect(page).toContain('Кезегіңіз келді &lt;b&gt;');
    const html = await fetch(`http://127.0.0.1:${webPort}/messages/${messages[0]!.id}.html`);
    expect(html.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await html.text()).toContain('Балабақшаны таңдаңыз');
  });
});
