/** The page's DOM: the peer cards, the chat log and the status line. Only rendering, no logic. */

function byId<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

export const el = {
  joinForm: byId<HTMLFormElement>('join-form'),
  name: byId<HTMLInputElement>('name'),
  room: byId<HTMLInputElement>('room'),
  useMedia: byId<HTMLInputElement>('use-media'),
  status: byId<HTMLParagraphElement>('status'),
  roomView: byId<HTMLElement>('room-view'),
  roomTitle: byId<HTMLHeadingElement>('room-title'),
  localVideo: byId<HTMLVideoElement>('local-video'),
  noPeers: byId<HTMLParagraphElement>('no-peers'),
  peers: byId<HTMLUListElement>('peers'),
  chat: byId<HTMLOListElement>('chat'),
  chatForm: byId<HTMLFormElement>('chat-form'),
  chatInput: byId<HTMLInputElement>('chat-input'),
  leave: byId<HTMLButtonElement>('leave'),
};

export function setStatus(text: string): void {
  el.status.textContent = text;
}

/** One card per remote peer: name, link state, DataChannel messages, video. */
export class PeerCard {
  readonly root = document.createElement('li');
  private readonly name = document.createElement('span');
  private readonly state = document.createElement('span');
  private readonly notes = document.createElement('p');
  private readonly lastMessage = document.createElement('p');
  readonly video = document.createElement('video');
  readonly ping = document.createElement('button');
  readonly restart = document.createElement('button');

  constructor(peerId: string) {
    this.root.className = 'peer';
    this.root.dataset.peerId = peerId;
    this.name.className = 'name';
    this.state.className = 'state';
    this.notes.className = 'notes';
    this.lastMessage.className = 'dc-message';
    this.video.autoplay = true;
    this.video.playsInline = true;
    this.video.muted = true; // autoplay without a gesture; the audio still flows (see getStats)
    this.ping.type = this.restart.type = 'button';
    this.ping.textContent = 'Ping over DataChannel';
    this.restart.textContent = 'Restart link';
    const heading = document.createElement('p');
    heading.append(this.name, ' — link: ', this.state);
    this.root.append(heading, this.video, this.lastMessage, this.notes, this.ping, ' ', this.restart);
    this.setName(peerId);
    this.setState('new');
  }

  setName(name: string): void {
    this.name.textContent = name;
    this.video.setAttribute('aria-label', `Video from ${name}`);
  }

  setState(state: string): void {
    this.state.textContent = state;
    this.state.dataset.state = state;
  }

  note(text: string): void {
    this.notes.textContent = text;
  }

  message(text: string): void {
    this.lastMessage.textContent = `DataChannel: ${text}`;
  }
}

export function addChatLine(from: string, text: string): void {
  const line = document.createElement('li');
  const who = document.createElement('strong');
  who.textContent = `${from}: `;
  line.append(who, text);
  el.chat.append(line);
  el.chat.scrollTop = el.chat.scrollHeight;
}

export function showRoom(room: string | undefined): void {
  el.joinForm.hidden = room !== undefined;
  el.roomView.hidden = room === undefined;
  if (room !== undefined) el.roomTitle.textContent = `Room ${room}`;
}

export function refreshEmpty(): void {
  el.noPeers.hidden = el.peers.children.length > 0;
}
