import type { ComponentChildren } from "preact";

export function PageHeader({ title, description, children }: { title: string; description?: string; children?: ComponentChildren }) {
  return (
    <header class="page-header">
      <h1>{title}</h1>
      {children && <div class="row">{children}</div>}
      {description && <p class="muted">{description}</p>}
    </header>
  );
}
