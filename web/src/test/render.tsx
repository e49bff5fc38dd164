import { render } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { App, newQueryClient } from "../App";

/** The whole app on an in-memory router at `path`. */
export function renderApp(path: string) {
  const user = userEvent.setup();
  const client = newQueryClient();
  const view = render(<App initialPath={path} client={client} />);
  return { user, client, ...view };
}
