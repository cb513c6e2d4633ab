import { escapeHtml, smtpTransport } from '../mail.js';

/** A message about the account itself: a password reset link, an address to confirm. */
export interface AccountMessage {
  subject: string;
  /** Paragraphs; `link` goes between the first and the rest. */
  paragraphs: string[];
  link: string;
}

export interface AccountMailer {
  send(to: string, message: AccountMessage): Promise<void>;
  close(): void;
}

/** Account mail over the same SMTP server as alert email, in plain text and simple HTML. */
export function createAccountMailer(settings: { smtpUrl: string; from: string }): AccountMailer {
  const transport = smtpTransport(settings);
  return {
    async send(to, { subject, paragraphs, link }) {
      const [first = '', ...rest] = paragraphs;
      await transport.sendMail({
        to,
        subject,
        text: `${first}\n\n${link}\n\n${rest.join('\n\n')}\n`,
        html: `<!doctype html><html><body style="font-family:sans-serif"><p>${escapeHtml(first)}</p><p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>${rest
          .map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`)
          .join('')}</body></html>`,
      });
    },
    close: () => transport.close(),
  };
}

export function passwordResetMessage(username: string, link: string): AccountMessage {
  return {
    subject: 'Reset your Stock Tracker password',
    paragraphs: [
      `Someone (we hope you) asked to reset the password of the Stock Tracker account “${username}”. Open this link within an hour to choose a new one:`,
      'The link works once. If you did not ask for it, ignore this email: your password stays as it is.',
    ],
    link,
  };
}

export function verificationMessage(username: string, link: string): AccountMessage {
  return {
    subject: 'Confirm your email address for Stock Tracker',
    paragraphs: [
      `Open this link within an hour to confirm that this address belongs to the Stock Tracker account “${username}”:`,
      'If you did not create that account, ignore this email.',
    ],
    link,
  };
}
