import { escapeHtml, smtpTransport } from '../mail.js';
import { linesOf, type Outgoing, titleOf } from './messages.js';

/** Sends one alert email; rejects with the SMTP server's reason. */
export type SendEmail = (to: string, outgoing: Outgoing) => Promise<void>;

export interface Mailer {
  send: SendEmail;
  close(): void;
}

export function createMailer(settings: { smtpUrl: string; from: string }): Mailer {
  const transport = smtpTransport(settings);
  return {
    async send(to, outgoing) {
      const lines = linesOf(outgoing);
      await transport.sendMail({
        to,
        subject: subjectOf(outgoing),
        text: `${lines.join('\n')}\n\n${footer(outgoing)}\n`,
        html: `<!doctype html><html><body style="font-family:sans-serif"><h2>${escapeHtml(titleOf(outgoing))}</h2><ul>${lines
          .map((line) => `<li>${escapeHtml(line)}</li>`)
          .join('')}</ul><p style="color:#666">${escapeHtml(footer(outgoing))}</p></body></html>`,
      });
    },
    close: () => transport.close(),
  };
}

function subjectOf(outgoing: Outgoing): string {
  return outgoing.kind === 'summary' ? titleOf(outgoing) : outgoing.firing.message;
}

function footer(outgoing: Outgoing): string {
  return outgoing.kind === 'summary'
    ? 'Held during your quiet hours and sent as one message when they ended.'
    : 'Sent by Stock Tracker. Change where alerts go in Settings.';
}
