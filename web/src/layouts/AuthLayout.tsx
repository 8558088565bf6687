import type { ComponentChildren } from "preact";
import { OfflineBanner, UpdateBanner } from "../components/Banners";
import { Logo } from "../components/Logo";

/** Centered card for signed-out pages. */
export function AuthLayout({ children }: { children: ComponentChildren }) {
  return (
    <>
      <UpdateBanner />
      <OfflineBanner />
      <div class="auth-layout">
        <main class="auth-card">
          <p class="brand">
            <Logo />
            <span>AI Aggregator</span>
          </p>
          {children}
        </main>
      </div>
    </>
  );
}
