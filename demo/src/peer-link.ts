/**
 * One RTCPeerConnection to one remote peer, with "perfect negotiation"
 * (https://w3c.github.io/webrtc-pc/#perfect-negotiation-example): both
 * sides may offer whenever they need to; when two offers cross (glare),
 * the polite side rolls its own back and answers, the impolite side
 * refuses the other's offer (409) and keeps its own.
 *
 * Offers go as a relayed request (`peerRequest` 'offer') whose answer is
 * the SDP answer, so a refused or timed-out offer shows up; ICE
 * candidates trickle as relayed notifications (`peerNotify` 'candidate').
 */
import { Refusal, type Signaling } from './signaling.js';

export type LinkState = RTCPeerConnectionState;

export interface LinkEvents {
  state(state: LinkState): void;
  /** Something worth showing to the user (an offer refused, glare…). */
  note(text: string): void;
  /** Connected, and the last negotiation succeeded: earlier notes no longer apply. */
  healthy(): void;
  /** The DataChannel is open: messages can go both ways. */
  open(): void;
  message(text: string): void;
  track(stream: MediaStream): void;
}

/** How long the polite side waits for the first offer before making its own. */
const POLITE_WAIT_MS = 3000;
/** ICE restarts tried after `failed` (1 s, 2 s, 4 s apart) before the link stays failed. */
const MAX_ICE_RESTARTS = 3;
const ICE_RESTART_FIRST_DELAY_MS = 1000;

export class PeerLink {
  readonly pc: RTCPeerConnection;
  channel?: RTCDataChannel;
  private setupTimer?: ReturnType<typeof setTimeout>;
  private restartTimer?: ReturnType<typeof setTimeout>;
  /** Automatic ICE restarts since the link was last connected. */
  private iceRestarts = 0;
  /** Offers that crossed ours; the glare test reads it. */
  collisions = 0;
  private makingOffer = false;
  /** Their offers we applied, and our offers they answered: see isStale. */
  private appliedOffers = 0;
  private answeredOffers = 0;
  private ignoreOffer = false;
  /** Candidates that overtook their description: nothing orders two relayed messages. */
  private pendingCandidates: RTCIceCandidateInit[] = [];

  constructor(
    readonly remoteId: string,
    readonly polite: boolean,
    private readonly signaling: Signaling,
    iceServers: RTCIceServer[],
    private readonly localStream: MediaStream | undefined,
    private readonly events: LinkEvents,
  ) {
    this.pc = new RTCPeerConnection({ iceServers });
    // Both sides learn of each other at about the same moment. Were both to
    // offer then, the polite one would roll back its very first offer, and
    // Chromium then answers with the data section rejected when the two
    // first offers differ (one side without a camera), which loops. So the
    // polite side lets the impolite one go first, and only adds its own
    // channel and tracks once it answered (or after a while, if no offer
    // comes). Later renegotiations may still collide: that is glare, handled below.
    if (polite) this.setupTimer = setTimeout(() => this.setupLocal(), POLITE_WAIT_MS);
    else this.setupLocal();

    this.pc.onconnectionstatechange = () => {
      const state = this.pc.connectionState;
      events.state(state);
      if (state === 'connected') {
        this.iceRestarts = 0;
        clearTimeout(this.restartTimer);
      }
      if (state === 'failed') this.restartAfterFailure();
      this.reportHealth();
    };
    this.pc.ontrack = ({ track, streams }) => events.track(streams[0] ?? new MediaStream([track]));
    this.pc.onicecandidate = ({ candidate }) => {
      if (!candidate) return; // end of candidates: nothing to relay
      this.signaling.notify(remoteId, 'candidate', { candidate: candidate.toJSON() }).catch((error) => events.note(`candidate not relayed: ${describe(error)}`));
    };
    this.pc.onnegotiationneeded = () => void this.offer();
  }

  /** Our DataChannel and media; adding them is what makes us offer. */
  private setupLocal(): void {
    if (this.channel || this.pc.signalingState === 'closed') return;
    clearTimeout(this.setupTimer);
    // Negotiated with a fixed id: both sides create it, neither has to open it in-band.
    this.channel = this.pc.createDataChannel('chat', { negotiated: true, id: 0 });
    this.channel.onopen = () => this.events.open();
    this.channel.onmessage = ({ data }) => this.events.message(String(data));
    // Without media we add nothing: the other side's offer brings its camera's m-lines.
    const stream = this.localStream;
    for (const track of stream?.getTracks() ?? []) this.pc.addTrack(track, stream!);
  }

  /** The negotiation step by step, in the console: what to look at when a link does not come up. */
  private log(...args: unknown[]): void {
    console.debug(`[link ${this.remoteId}]`, ...args, this.pc.signalingState);
  }

  private async offer(): Promise<void> {
    this.log('negotiationneeded');
    let description: RTCSessionDescription | null;
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      description = this.pc.localDescription;
    } catch (error) {
      this.events.note(`could not create an offer: ${describe(error)}`);
      return;
    } finally {
      this.makingOffer = false;
    }
    try {
      const seen = this.appliedOffers;
      this.log('sending offer', seen);
      const { description: answer } = await this.signaling.request(this.remoteId, 'offer', { description, seen });
      // Our offer may have been rolled back meanwhile (we are polite and theirs won).
      if (this.pc.signalingState !== 'have-local-offer') return;
      await this.pc.setRemoteDescription(answer);
      this.answeredOffers++;
      await this.flushCandidates();
      this.reportHealth();
    } catch (error) {
      const text = code(error) === 409 ? `offer refused: ${describe(error)}` : `offer failed: ${describe(error)}`;
      // If this refused offer is still ours, drop it: back to stable, so their
      // next offer is not taken for glare, and negotiationneeded offers again.
      if (this.pc.signalingState === 'have-local-offer' && this.pc.localDescription?.sdp === description?.sdp) {
        this.events.note(text);
        await this.pc.setLocalDescription({ type: 'rollback' }).catch(() => {});
      } else if (this.healthy()) {
        // Glare already settled (we answered theirs instead): nothing for the user.
        this.log(text, '(superseded)');
      } else {
        this.events.note(text);
      }
    }
  }

  /** A relayed 'offer' request: resolves to our answer, or throws a Refusal. */
  async handleOffer(description: RTCSessionDescriptionInit, seen: number): Promise<{ description: RTCSessionDescription | null }> {
    if (this.isStale(seen)) throw new Refusal(409, 'stale offer: made before our last offer, which you answered');
    const collision = this.makingOffer || this.pc.signalingState !== 'stable';
    if (collision) this.collisions++;
    this.log('offer received', { seen, collision, polite: this.polite });
    this.ignoreOffer = !this.polite && collision;
    if (this.ignoreOffer) throw new Refusal(409, 'offer collision: the impolite peer keeps its own offer');
    // Polite: setRemoteDescription rolls our own offer back implicitly.
    await this.pc.setRemoteDescription(description);
    this.appliedOffers++;
    await this.pc.setLocalDescription();
    const answer = this.pc.localDescription;
    await this.flushCandidates();
    this.setupLocal();
    this.reportHealth();
    return { description: answer };
  }

  /**
   * Relayed messages are not ordered, so an offer the polite side made and
   * then rolled back (it answered ours instead) can reach us after we are
   * stable again, where it would look like a fresh offer. Each offer says
   * how many of our offers its sender had applied; fewer than it answered
   * means it was made before, and its sender has dropped it.
   */
  private isStale(seen: number): boolean {
    return typeof seen === 'number' && seen < this.answeredOffers;
  }

  async handleCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (!this.pc.remoteDescription) {
      this.pendingCandidates.push(candidate);
      return;
    }
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (error) {
      if (!this.ignoreOffer) this.events.note(`bad candidate: ${describe(error)}`);
    }
  }

  private async flushCandidates(): Promise<void> {
    const pending = this.pendingCandidates.splice(0);
    for (const candidate of pending) await this.handleCandidate(candidate);
  }

  private healthy(): boolean {
    return this.pc.connectionState === 'connected' && this.pc.signalingState === 'stable';
  }

  /** Called on `connected` and after each negotiation that succeeded. */
  private reportHealth(): void {
    if (this.healthy()) this.events.healthy();
  }

  /**
   * New ICE credentials are the standard way back from `failed`; either
   * side may start it. A few, further and further apart: a link that
   * cannot work (no route, a dead TURN server) then shows `failed` and
   * stays so, instead of renegotiating forever.
   */
  private restartAfterFailure(): void {
    clearTimeout(this.restartTimer);
    if (this.iceRestarts >= MAX_ICE_RESTARTS) {
      this.events.note(`link failed; gave up after ${MAX_ICE_RESTARTS} ICE restarts (Restart link tries again)`);
      return;
    }
    const delay = ICE_RESTART_FIRST_DELAY_MS * 2 ** this.iceRestarts++;
    this.events.note(`link failed; ICE restart ${this.iceRestarts} of ${MAX_ICE_RESTARTS} in ${delay / 1000} s`);
    this.restartTimer = setTimeout(() => {
      if (this.pc.connectionState === 'failed') this.pc.restartIce();
    }, delay);
  }

  /** Renegotiate with new ICE credentials now (the Restart link button): automatic restarts start over. */
  restart(): void {
    clearTimeout(this.restartTimer);
    this.iceRestarts = 0;
    this.pc.restartIce();
  }

  send(text: string): boolean {
    if (this.channel?.readyState !== 'open') return false;
    this.channel.send(text);
    return true;
  }

  close(): void {
    clearTimeout(this.setupTimer);
    clearTimeout(this.restartTimer);
    this.channel?.close();
    this.pc.close();
  }
}

function code(error: unknown): number | undefined {
  // protoo-client rejects with an Error whose `code` is the remote errorCode.
  const value = (error as { code?: unknown })?.code;
  return typeof value === 'number' ? value : undefined;
}

function describe(error: unknown): string {
  const c = code(error);
  const message = error instanceof Error ? error.message : String(error);
  return c ? `${c} ${message}` : message;
}
