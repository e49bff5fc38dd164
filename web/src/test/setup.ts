import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach, vi } from "vitest";
import { useSearchUi } from "../state/search";
import { useSession } from "../state/session";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  useSession.setState({ session: null });
  useSearchUi.getState().reset();
  localStorage.clear();
  sessionStorage.clear();
});
