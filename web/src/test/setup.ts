import { cleanup } from '@testing-library/preact';
import { afterEach } from 'vitest';
import { signOut } from '../stores/auth';

afterEach(() => {
  cleanup();
  signOut();
  sessionStorage.clear();
  history.replaceState(null, '', '/');
});
