import { useEffect, useId, useRef, useState } from "preact/hooks";
import { useLocation } from "preact-iso/router";
import { MoreIcon, SignOutIcon } from "../components/icons";
import { t } from "../i18n";
import { isCurrent, type NavItem } from "./navItems";

interface MoreMenuProps {
  items: readonly NavItem[];
  onSignOut: () => void;
}

/** Phones only (CSS): the secondary destinations and sign-out behind a disclosure button. */
export function MoreMenu({ items, onSignOut }: MoreMenuProps) {
  const { path } = useLocation();
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => setOpen(false), [path]);

  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("pointerdown", onPointer);
    return () => document.removeEventListener("pointerdown", onPointer);
  }, [open]);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape" && open) {
      setOpen(false);
      button.current?.focus();
    }
  };

  const active = items.some((item) => isCurrent(path, item.href));
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: Escape anywhere in the menu closes it; the buttons inside are the controls
    <div ref={root} onKeyDown={onKeyDown}>
      <button
        ref={button}
        class="nav-link"
        type="button"
        aria-expanded={open}
        aria-controls={menuId}
        aria-current={active ? "page" : undefined}
        onClick={() => setOpen(!open)}
      >
        <MoreIcon />
        <span>{t("nav.more")}</span>
      </button>
      {open && (
        <ul class="more-menu" id={menuId}>
          {items.map(({ href, label, Icon }) => (
            <li key={href}>
              <a class="nav-link" href={href} aria-current={isCurrent(path, href) ? "page" : undefined}>
                <Icon />
                <span>{t(label)}</span>
              </a>
            </li>
          ))}
          <li>
            <button class="nav-link" type="button" onClick={onSignOut}>
              <SignOutIcon />
              <span>{t("nav.signOut")}</span>
            </button>
          </li>
        </ul>
      )}
    </div>
  );
}
