/** The app mark; decorative, the product name is always written next to it. */
export function Logo() {
  return (
    <svg class="logo" viewBox="0 0 512 512" width="28" height="28" aria-hidden="true" focusable="false">
      <rect class="logo-bg" width="512" height="512" rx="112" />
      <g class="logo-ink" stroke-width="28" stroke-linecap="round">
        <path d="M136 152h72c40 0 48 104 88 104h80" />
        <path d="M136 256h240" />
        <path d="M136 360h72c40 0 48-104 88-104" />
      </g>
      <circle class="logo-dot" cx="376" cy="256" r="36" />
    </svg>
  );
}
