// Drawn like the icons in icons.tsx (24×24 strokes, decorative, always beside a visible label).

/** People behind a gateway call: a person in front of a small speech bubble. */
export const EndUsersIcon = () => (
  <svg class="icon" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">
    <circle cx="9" cy="9" r="3.5" />
    <path d="M2.5 20.5c.8-3.5 3.4-5.5 6.5-5.5s5.7 2 6.5 5.5" />
    <path d="M15 3.5h6v4.5h-2.5l-2 2v-2H15z" />
  </svg>
);
