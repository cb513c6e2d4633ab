/**
 * The browser side of Web Push: the service worker (built to /sw.js, registered at start in a
 * production build) and this device's push subscription, which the server keeps as a `push` channel.
 */
import { api, type Channel } from './api';

/** Which channel this browser's subscription is (the server knows subscriptions, not devices). */
const DEVICE_CHANNEL_KEY = 'stocktracker.pushChannel';

export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((error: unknown) => {
      // The app works without it: no offline start and no push on this device.
      console.warn('The service worker could not be registered.', error);
    });
  });
}

export function pushSupported(): boolean {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/** This device's push channel, when it has a live subscription the server still knows. */
export async function devicePushChannel(channels: Channel[]): Promise<Channel | null> {
  if (!pushSupported()) return null;
  const registration = await navigator.serviceWorker.getRegistration('/');
  const subscription = await registration?.pushManager.getSubscription();
  if (!subscription) return null;
  const saved = readSaved();
  if (!saved || saved.endpoint !== subscription.endpoint) return null;
  return channels.find((channel) => channel.id === saved.channelId && channel.type === 'push') ?? null;
}

/**
 * Asks for permission, subscribes with the server's VAPID key and gives the subscription to the
 * server as a push channel named `name`. Throws an Error whose message the page shows.
 */
export async function enablePush(name: string): Promise<Channel> {
  if (!pushSupported()) throw new Error('This browser cannot receive push notifications.');
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') {
    throw new Error(
      'Notifications are blocked for this site. Allow them in the browser’s site settings, then try again.',
    );
  }
  const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  await navigator.serviceWorker.ready;
  const { publicKey } = await api.pushKey();
  const existing = await registration.pushManager.getSubscription();
  // A subscription made with another key (the server's keys changed) cannot be used: start afresh.
  if (existing) await existing.unsubscribe();
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: fromBase64Url(publicKey),
  });
  const { endpoint, keys } = subscription.toJSON();
  if (!endpoint || !keys?.p256dh || !keys.auth)
    throw new Error('The browser gave an incomplete subscription.');
  const { channel } = await api.createChannel({
    type: 'push',
    name,
    subscription: { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } },
  });
  localStorage.setItem(
    DEVICE_CHANNEL_KEY,
    JSON.stringify({ endpoint: subscription.endpoint, channelId: channel.id }),
  );
  return channel;
}

/** Stops pushes to this device: the browser's subscription and the server's channel both go. */
export async function disablePush(channelId: string): Promise<void> {
  const registration = await navigator.serviceWorker.getRegistration('/');
  const subscription = await registration?.pushManager.getSubscription();
  await subscription?.unsubscribe();
  localStorage.removeItem(DEVICE_CHANNEL_KEY);
  await api.deleteChannel(channelId);
}

/** "Chrome on Android": a name the user recognises this device by in the channel list. */
export function deviceName(): string {
  const agent = navigator.userAgent;
  const browser = /Edg\//.test(agent)
    ? 'Edge'
    : /Firefox\//.test(agent)
      ? 'Firefox'
      : /Chrome\//.test(agent)
        ? 'Chrome'
        : /Safari\//.test(agent)
          ? 'Safari'
          : 'Browser';
  const system = /Android/.test(agent)
    ? 'Android'
    : /iPhone|iPad/.test(agent)
      ? 'iOS'
      : /Windows/.test(agent)
        ? 'Windows'
        : /Mac OS X/.test(agent)
          ? 'macOS'
          : /Linux/.test(agent)
            ? 'Linux'
            : 'this device';
  return `${browser} on ${system}`;
}

function readSaved(): { endpoint: string; channelId: string } | null {
  try {
    const saved = JSON.parse(localStorage.getItem(DEVICE_CHANNEL_KEY) ?? 'null') as unknown;
    if (saved && typeof saved === 'object' && 'endpoint' in saved && 'channelId' in saved) {
      return { endpoint: String(saved.endpoint), channelId: String(saved.channelId) };
    }
  } catch {
    // Unreadable: as if there were none.
  }
  return null;
}

/** The VAPID public key comes base64url-encoded; the Push API takes its bytes. */
function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(text.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
