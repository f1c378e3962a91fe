import { IndexerSettings } from "../components/publisher/IndexerSettings";
import { EndpointSettings } from "../components/settings/EndpointSettings";
import { LocalKeypairSettings } from "../components/settings/LocalKeypairSettings";

export function SettingsPage() {
  return (
    <div className="page">
      <h1>Settings</h1>
      <EndpointSettings />
      <IndexerSettings />
      <LocalKeypairSettings />
    </div>
  );
}
