import { t } from "../i18n";
import { AuthLayout } from "../layouts/AuthLayout";
import { isSignedIn } from "../stores/auth";

function Content() {
  return (
    <>
      <h1>{t("notFound.title")}</h1>
      <p>{t("notFound.body")}</p>
      <p>
        <a href="/">{t("notFound.home")}</a>
      </p>
    </>
  );
}

/** Inside the signed-in layout when signed in, otherwise on its own. */
export default function NotFound() {
  return isSignedIn.value ? <Content /> : <AuthLayout>{<Content />}</AuthLayout>;
}
