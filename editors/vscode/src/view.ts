// What the session side needs from the panel.

import type { HostEvent } from './messages';

export interface AgentView {
  post(event: HostEvent): void;
  /** The panel is on screen. */
  readonly visible: boolean;
  reveal(): Promise<void>;
}
