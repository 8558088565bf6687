// Web Storage that never throws: disabled storage (privacy mode, sandboxed frames) just forgets.

type Area = "local" | "session";

const area = (which: Area): Storage | null => {
  try {
    return which === "local" ? localStorage : sessionStorage;
  } catch {
    return null;
  }
};

export function readItem(which: Area, key: string): string | null {
  try {
    return area(which)?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

export function writeItem(which: Area, key: string, value: string | null): void {
  try {
    const storage = area(which);
    if (value === null) storage?.removeItem(key);
    else storage?.setItem(key, value);
  } catch {
    // Quota or disabled storage: the value simply won't survive a reload.
  }
}
