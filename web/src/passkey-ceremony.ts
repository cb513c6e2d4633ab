/** The two WebAuthn ceremonies, the browser's half (@simplewebauthn/browser) joined to the API's. */

import { startAuthentication, startRegistration } from '@simplewebauthn/browser';
import { ApiError, api, type Passkey } from './api';

/** Whether this browser has WebAuthn at all (http://localhost and https:// pages only). */
export function passkeysSupported(): boolean {
  return typeof window.PublicKeyCredential === 'function';
}

/** Asks the authenticator for a new passkey for the signed-in account and stores it as `name`. */
export async function createPasskey(name: string): Promise<Passkey> {
  const optionsJSON = await api.passkeyRegistrationOptions();
  const response = await startRegistration({ optionsJSON });
  return (await api.addPasskey({ name, response })).passkey;
}

/** Signs in with whichever passkey of this site the user picks. */
export async function signInWithPasskey() {
  const optionsJSON = await api.passkeyLoginOptions();
  const response = await startAuthentication({ optionsJSON });
  return api.passkeyLogin({ response });
}

/** What to tell the user when a ceremony failed: the server's reason, or the browser's in plain words. */
export function passkeyErrorMessage(error: unknown, fallback: string): string {
  if (error instanceof ApiError) return Object.values(error.fields)[0]?.[0] ?? error.message;
  if (error instanceof Error) {
    // The browser answers NotAllowedError both when the user cancels and when the prompt times out.
    if (error.name === 'NotAllowedError') return 'The passkey prompt was closed or timed out. Try again.';
    if (error.name === 'InvalidStateError')
      return 'This authenticator already holds a passkey for your account.';
  }
  return fallback;
}
