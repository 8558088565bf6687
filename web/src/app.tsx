import { LocationProvider, Route, Router } from 'preact-iso/router';
import lazy from 'preact-iso/lazy';
import { Redirect } from './components/Redirect';
import { isSignedIn } from './stores/auth';

// One lazy chunk per page.
const Login = lazy(() => import('./pages/Login'));
const Dashboard = lazy(() => import('./pages/Dashboard'));
const NotFound = lazy(() => import('./pages/NotFound'));

const Home = () => <Redirect to={isSignedIn.value ? '/dashboard' : '/login'} />;
const GuestLogin = () => (isSignedIn.value ? <Redirect to="/dashboard" /> : <Login />);
const PrivateDashboard = () => (isSignedIn.value ? <Dashboard /> : <Redirect to="/login" />);

export function App() {
  return (
    <LocationProvider>
      <Router>
        <Route path="/" component={Home} />
        <Route path="/login" component={GuestLogin} />
        <Route path="/dashboard" component={PrivateDashboard} />
        <Route default component={NotFound} />
      </Router>
    </LocationProvider>
  );
}
