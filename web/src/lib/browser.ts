/** Leaving the app for another site (a payment page). An object, so tests can replace it. */
export const browser = {
  assign(url: string): void {
    location.assign(url);
  },
};
