// A Durable Object's one alarm, remembered in memory. Asking storage for it on every call was
// 2–4 % of a gateway call's CPU in profiles (bench/profile.mjs); since only the object itself
// sets its alarm, the copy stays right once read.
export class AlarmClock {
  /** undefined: not read yet; null: no alarm set. */
  private at: number | null | undefined = undefined;

  private readonly storage: DurableObjectStorage;

  constructor(storage: DurableObjectStorage) {
    this.storage = storage;
  }

  /** Wakes the object at `at`, unless it is already due to wake sooner. */
  async wakeBy(at: number): Promise<void> {
    if (this.at === undefined) this.at = await this.storage.getAlarm();
    if (this.at !== null && this.at <= at) return;
    this.at = at;
    await this.storage.setAlarm(at);
  }

  /** Wakes it at `at` exactly, even if a sooner alarm was set (a backoff). */
  async set(at: number): Promise<void> {
    this.at = at;
    await this.storage.setAlarm(at);
  }

  /** First thing in alarm(): the alarm that fired is spent. */
  fired(): void {
    this.at = null;
  }
}
