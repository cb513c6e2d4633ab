import { createTransport } from 'nodemailer';

/**
 * Email over SMTP (`smtp://` with STARTTLS when offered, `smtps://` for TLS from the start). The
 * timeouts keep a stuck server from holding a delivery longer than its lease in the outbox. Account
 * mail (password resets, address checks) goes through one of these too.
 */
export function smtpTransport({ smtpUrl, from }: { smtpUrl: string; from: string }) {
  return createTransport(
    { url: smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 },
    { from },
  );
}

export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (character) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character] ?? character,
  );
}
