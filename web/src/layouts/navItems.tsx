import type { FunctionComponent } from 'preact';
import { DashboardIcon } from '../components/icons';

export interface NavItem {
  href: string;
  label: string;
  Icon: FunctionComponent;
}

/** Primary navigation: sidebar on desktop, bottom bar on phones. */
export const NAV_ITEMS: readonly NavItem[] = [{ href: '/dashboard', label: 'Dashboard', Icon: DashboardIcon }];
