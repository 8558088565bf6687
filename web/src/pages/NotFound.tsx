import { AuthLayout } from '../layouts/AuthLayout';

export default function NotFound() {
  return (
    <AuthLayout>
      <h1>Page not found</h1>
      <p>There is nothing at this address.</p>
      <p>
        <a href="/">Go to the start page</a>
      </p>
    </AuthLayout>
  );
}
