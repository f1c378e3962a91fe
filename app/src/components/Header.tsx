import { WalletMultiButton } from "@solana/wallet-adapter-react-ui";
import { NavLink } from "react-router-dom";

import { useSettings } from "../context/Settings";
import { SolBalance } from "./SolBalance";

const LINKS: [string, string][] = [
  ["/", "Catalogue"],
  ["/publish", "Publish"],
  ["/access", "My access"],
  ["/royalties", "My royalties"],
  ["/jobs", "My jobs"],
  ["/publisher", "Publisher"],
  ["/provider", "Provider"],
  ["/settings", "Settings"],
];

export function Header() {
  const { setting, endpoint } = useSettings();
  return (
    <header className="header">
      <div className="brand">
        <span className="logo">◧</span> Tessera
      </div>
      <nav style={{ flexWrap: "wrap" }}>
        {LINKS.map(([to, label]) => (
          <NavLink key={to} to={to} end={to === "/"}>
            {label}
          </NavLink>
        ))}
      </nav>
      <div className="header-right">
        <span className={`cluster cluster-${setting.kind}`} data-testid="cluster" title={endpoint}>
          {setting.kind === "custom" ? endpoint : setting.kind}
        </span>
        <SolBalance />
        <WalletMultiButton />
      </div>
    </header>
  );
}
