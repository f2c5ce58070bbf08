import { Link } from "react-router-dom";

export function NotFoundPage() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is nothing here. <Link to="/">Back to the runs</Link>.
      </p>
    </section>
  );
}
