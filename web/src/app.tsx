import lazy from "preact-iso/lazy";
import { LocationProvider, Route, Router, useLocation } from "preact-iso/router";
import { Loading } from "./components/Loading";
import { Redirect } from "./components/Redirect";
import { nextPath } from "./lib/next";
import { isSignedIn, restoringSession } from "./stores/auth";

// One lazy chunk per page; the signed-in area (layout and its pages) is its own set of chunks.
const Login = lazy(() => import("./pages/Login"));
const Register = lazy(() => import("./pages/Register"));
const AcceptInvite = lazy(() => import("./pages/AcceptInvite"));
const PrivateArea = lazy(() => import("./layouts/PrivateArea"));

function Home() {
  if (restoringSession.value) return <Loading />;
  return <Redirect to={isSignedIn.value ? "/dashboard" : "/login"} />;
}

/** Signed-out pages; a signed-in visitor goes on to where they were heading. */
function guest(Page: typeof Login) {
  return function GuestOnly() {
    const { query } = useLocation();
    if (restoringSession.value) return <Loading />;
    return isSignedIn.value ? <Redirect to={nextPath(query)} /> : <Page />;
  };
}

const GuestLogin = guest(Login);
const GuestRegister = guest(Register);

export function App() {
  return (
    <LocationProvider>
      <Router>
        <Route path="/" component={Home} />
        <Route path="/login" component={GuestLogin} />
        <Route path="/register" component={GuestRegister} />
        <Route path="/invite/:token" component={AcceptInvite} />
        <Route path="/*" component={PrivateArea} />
      </Router>
    </LocationProvider>
  );
}
