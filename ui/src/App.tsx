import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { NavLink, Route, Routes } from "react-router-dom";
import { setToken, UNAUTHORISED } from "./api";
import { ComparePage } from "./pages/ComparePage";
import { DatasetDetailPage } from "./pages/DatasetDetailPage";
import { DatasetsPage } from "./pages/DatasetsPage";
import { ModelsPage } from "./pages/ModelsPage";
import { NewRunPage } from "./pages/NewRunPage";
import { NewSweepPage } from "./pages/NewSweepPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { PredictPage } from "./pages/PredictPage";
import { RegistryModelPage } from "./pages/RegistryModelPage";
import { RegistryPage } from "./pages/RegistryPage";
import { RunDetailPage } from "./pages/RunDetailPage";
import { RunsPage } from "./pages/RunsPage";
import { SweepDetailPage } from "./pages/SweepDetailPage";
import { SweepsPage } from "./pages/SweepsPage";

const NAV = [
  ["/", "Runs"],
  ["/sweeps", "Sweeps"],
  ["/runs/new", "New run"],
  ["/models", "Models"],
  ["/datasets", "Datasets"],
  ["/registry", "Registry"],
  ["/predict", "Predict"],
] as const;

export function App() {
  const asking = useTokenPrompt();
  return (
    <div className="app">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">visionyard</span>
        <nav aria-label="Main">
          {NAV.map(([to, label]) => (
            <NavLink key={to} to={to} end={to === "/"}>
              {label}
            </NavLink>
          ))}
        </nav>
      </header>
      {asking && <TokenDialog />}
      <main id="main">
        <Routes>
          <Route path="/" element={<RunsPage />} />
          <Route path="/runs" element={<RunsPage />} />
          <Route path="/runs/new" element={<NewRunPage />} />
          <Route path="/runs/compare" element={<ComparePage />} />
          <Route path="/runs/:runId/*" element={<RunDetailPage />} />
          <Route path="/sweeps" element={<SweepsPage />} />
          <Route path="/sweeps/new" element={<NewSweepPage />} />
          <Route path="/sweeps/:sweepId" element={<SweepDetailPage />} />
          <Route path="/models" element={<ModelsPage />} />
          <Route path="/datasets" element={<DatasetsPage />} />
          <Route path="/datasets/:name" element={<DatasetDetailPage />} />
          <Route path="/registry" element={<RegistryPage />} />
          <Route path="/registry/:name" element={<RegistryModelPage />} />
          <Route path="/predict" element={<PredictPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </main>
    </div>
  );
}

/** True once the server has answered 401: the token is asked for (once; kept for the tab). */
function useTokenPrompt(): boolean {
  const [asking, setAsking] = useState(false);
  useEffect(() => {
    const ask = () => setAsking(true);
    const done = () => setAsking(false);
    window.addEventListener(UNAUTHORISED, ask);
    window.addEventListener("visionyard-token", done);
    return () => {
      window.removeEventListener(UNAUTHORISED, ask);
      window.removeEventListener("visionyard-token", done);
    };
  }, []);
  return asking;
}

function TokenDialog() {
  const client = useQueryClient();
  const [value, setValue] = useState("");
  function submit(event: FormEvent) {
    event.preventDefault();
    setToken(value.trim());
    client.invalidateQueries();
  }
  return (
    <div className="overlay">
      <form className="dialog" role="dialog" aria-modal="true" aria-labelledby="token-title" onSubmit={submit}>
        <h2 id="token-title">This server needs a token</h2>
        <p>
          It was started with <code>VISIONYARD_API_TOKEN</code>. The token is kept for this tab only.
        </p>
        <label>
          API token
          <input type="password" autoFocus value={value} onChange={(e) => setValue(e.target.value)} required />
        </label>
        <button type="submit" className="primary">
          Continue
        </button>
      </form>
    </div>
  );
}
