import type { ComponentChildren } from 'preact';
import { useLocation } from 'preact-iso/router';
import { Logo } from '../components/Logo';
import { NAV_ITEMS } from './navItems';

/** Signed-in shell: sidebar on desktop, bottom navigation on phones (≤ 720px). */
export function MainLayout({ children }: { children: ComponentChildren }) {
  const { path } = useLocation();
  return (
    <div class="main-layout">
      <a class="skip-link" href="#content">
        Skip to content
      </a>
      <nav class="app-nav" aria-label="Main">
        <p class="brand">
          <Logo />
          <span>AI Aggregator</span>
        </p>
        <ul>
          {NAV_ITEMS.map(({ href, label, Icon }) => (
            <li key={href}>
              <a href={href} aria-current={path === href ? 'page' : undefined}>
                <Icon />
                <span>{label}</span>
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="content" class="content" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
