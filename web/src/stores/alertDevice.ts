// This browser as one of the signed-in user's alert devices: enabling it (Push API subscription
// registered with the server), removing a device, and stopping alerts here on sign-out.
import { call } from "../api/client";
import type { PushDevice } from "../api/types";
import { rememberThisDevice, subscribeThisDevice, thisDeviceId, unsubscribeThisDevice } from "../pwa/pushDevice";

export async function enableThisDevice(label: string): Promise<PushDevice> {
  const { public_key } = await call("get", "/api/push/vapid-public-key");
  const subscription = await subscribeThisDevice(public_key);
  const device = await call("post", "/api/push/subscriptions", { body: { ...subscription, label } });
  rememberThisDevice(device.id);
  return device;
}

const deleteDevice = (id: string) => call("delete", "/api/push/subscriptions/{id}", { path: { id } });

/** Removes one of the user's devices; removing this one also ends the browser's subscription. */
export async function removeDevice(id: string): Promise<string> {
  await deleteDevice(id);
  if (id === thisDeviceId()) await forgetThisDevice();
  return id;
}

/**
 * Signing out stops alerts to this browser (they speak of the tenant's money and providers, and
 * the device may be shared). Best effort: the session ends whatever the server says.
 */
export async function stopAlertsHere(): Promise<void> {
  const id = thisDeviceId();
  if (!id) return;
  await deleteDevice(id).catch(() => undefined);
  await forgetThisDevice();
}

async function forgetThisDevice(): Promise<void> {
  rememberThisDevice(null);
  await unsubscribeThisDevice().catch(() => undefined);
}
