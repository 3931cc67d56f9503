// mundwerk live demo: sound → 16-bit PCM over the WebSocket /v1/stream → a mouth that follows it.
// No build step, no libraries. The protocol is described in docs/streaming.md.

const CHUNK_MS = 20;
const MAX_SAMPLES = 20000;
const MIN_RATE_HZ = 8000;
const MAX_RATE_HZ = 48000;
const END_WAIT_MS = 5000;

const $ = (id) => document.getElementById(id);

// What the page measured, for people and for tests: `samples` holds [time_ms, jawOpen, arrival_ms]
// per frame (time_ms is the frame's audio time from the first sample sent).
const demo = (window.mundwerk = {
  samples: [],
  latencies: [],
  frames: 0,
  portraitFrames: 0,
  status: "idle",
  errors: [],
});

function setStatus(text) {
  demo.status = text;
  $("status").textContent = text;
}

function fail(error) {
  const message = error instanceof Error ? error.message : String(error);
  demo.errors.push(message);
  setStatus(`error: ${message}`);
  if (session) {
    stop();
  } else {
    $("start").disabled = false;
    $("stop").disabled = true;
  }
}

function withToken(path, scheme) {
  const url = new URL(path, location.href);
  if (scheme) url.protocol = scheme;
  const token = new URLSearchParams(location.search).get("token");
  if (token) url.searchParams.set("token", token);
  return url.toString();
}

// -- the mouth ------------------------------------------------------------------------------------

const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));
const pair = (b, name) => ((b[`${name}Left`] ?? 0) + (b[`${name}Right`] ?? 0)) / 2;

// A lens between the corners (±half, cornerY) whose upper and lower edges pass through
// upperY and lowerY at the middle (quadratic curves: control = 2·mid − corner).
function lens(half, cornerY, upperY, lowerY) {
  return (
    `M ${-half} ${cornerY} Q 0 ${2 * upperY - cornerY} ${half} ${cornerY} ` +
    `Q 0 ${2 * lowerY - cornerY} ${-half} ${cornerY} Z`
  );
}

function drawMouth(blend, shape) {
  const jaw = clamp(blend.jawOpen ?? 0, 0, 1);
  const gap = clamp(jaw - (blend.mouthClose ?? 0), 0, 1); // ARKit: mouthClose closes the lips over an open jaw
  const funnel = blend.mouthFunnel ?? 0;
  const pucker = blend.mouthPucker ?? 0;
  const stretch = pair(blend, "mouthStretch");
  const smile = pair(blend, "mouthSmile");
  const press = pair(blend, "mouthPress");
  const upperUp = pair(blend, "mouthUpperUp");
  const lowerDown = pair(blend, "mouthLowerDown");

  const half = 46 * (1 + 0.22 * stretch + 0.12 * smile - 0.38 * pucker - 0.28 * funnel);
  const opening = 56 * gap + 8 * funnel;
  const corner = -7 * smile;
  const upper = -(0.35 * opening + 5 * upperUp);
  const lower = 0.65 * opening + 5 * lowerDown;
  const lip = 10 * (1 - 0.45 * press) + 5 * pucker + 3 * funnel;
  const inner = lens(half * 0.84, corner, upper, lower);

  $("lips").setAttribute("d", lens(half, corner, upper - lip, lower + lip * 1.25));
  $("inner").setAttribute("d", inner);
  $("inner-clip").setAttribute("d", inner);
  const teeth = $("teeth");
  teeth.setAttribute("x", String(-half));
  teeth.setAttribute("width", String(2 * half));
  teeth.setAttribute("y", String(upper - 2));
  teeth.setAttribute("height", String(Math.min(9, 0.3 * opening + 1)));
  $("tongue").setAttribute("cy", String(lower + 6 - 10 * (blend.tongueTipUp ?? 0)));

  const svg = $("mouth");
  svg.dataset.jawOpen = jaw.toFixed(4);
  svg.dataset.mouthOpen = gap.toFixed(4);
  svg.dataset.shape = shape;
}

// -- latency: from sending the chunk that completes a frame's audio to receiving the frame --------

class LatencyMeter {
  constructor(rateHz, fps) {
    this.rateHz = rateHz;
    this.fps = fps;
    this.sentSamples = 0;
    this.sends = []; // [samples sent so far, when]
    this.recent = [];
  }

  sent(samples, now) {
    this.sentSamples += samples;
    this.sends.push([this.sentSamples, now]);
  }

  arrived(timeMs, now) {
    const needed = Math.ceil(((timeMs + 1000 / this.fps) * this.rateHz) / 1000 - 1e-6);
    while (this.sends.length > 1 && this.sends[0][0] < needed) this.sends.shift();
    const first = this.sends[0];
    if (!first || first[0] < needed) return null; // padding after the last sample
    const latency = now - first[1];
    this.recent.push(latency);
    if (this.recent.length > 50) this.recent.shift();
    return latency;
  }

  median() {
    const sorted = [...this.recent].sort((a, b) => a - b);
    return sorted.length ? sorted[Math.floor(sorted.length / 2)] : null;
  }
}

// -- sound sources: each gives an AudioNode, and for clips a promise that resolves when it ends --

async function microphone(context) {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 },
  });
  const node = new MediaStreamAudioSourceNode(context, { mediaStream: stream });
  return { node, ended: null, stop: () => stream.getTracks().forEach((track) => track.stop()) };
}

async function clip(context, wavBytes) {
  const buffer = await context.decodeAudioData(wavBytes);
  const node = new AudioBufferSourceNode(context, { buffer });
  node.connect(context.destination); // heard as it is streamed
  const ended = new Promise((resolve) => node.addEventListener("ended", resolve, { once: true }));
  return { node, ended, play: () => node.start(), stop: () => node.stop() };
}

async function fetchBytes(url, options) {
  const response = await fetch(url, options);
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new Error(body.error || `${url}: HTTP ${response.status}`);
  }
  return response.arrayBuffer();
}

async function soundSource(context, kind) {
  if (kind === "mic") return microphone(context);
  if (kind === "sample") return clip(context, await fetchBytes("/demo/sample.wav"));
  const text = $("text").value.trim();
  if (!text) throw new Error("type some text to speak first");
  const options = {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ text }),
  };
  return clip(context, await fetchBytes(withToken("/v1/speak"), options));
}

// -- the session ----------------------------------------------------------------------------------

let session = null;

async function audioContext() {
  let context = new AudioContext();
  if (context.sampleRate < MIN_RATE_HZ || context.sampleRate > MAX_RATE_HZ) {
    await context.close();
    context = new AudioContext({ sampleRate: MAX_RATE_HZ });
  }
  await context.resume();
  await context.audioWorklet.addModule("/demo/capture-worklet.js");
  return context;
}

function connect(rateHz, fps, portrait, lookaheadMs) {
  return new Promise((resolve, reject) => {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(withToken("/v1/stream", scheme));
    ws.binaryType = "arraybuffer";
    ws.addEventListener("open", () => {
      const start = { type: "start", sample_rate_hz: rateHz, fps, portrait, lookahead_ms: lookaheadMs };
      ws.send(JSON.stringify(start));
      resolve(ws);
    });
    ws.addEventListener("error", () => reject(new Error("cannot connect to /v1/stream")), { once: true });
  });
}

function onFrame(message, meter) {
  const now = performance.now();
  const latency = meter.arrived(message.time_ms, now);
  const jaw = message.blendshapes?.jawOpen ?? 0;
  drawMouth(message.blendshapes ?? {}, message.shape);
  demo.frames += 1;
  if (demo.samples.length < MAX_SAMPLES) demo.samples.push([message.time_ms, jaw, now]);
  if (latency !== null && demo.latencies.length < MAX_SAMPLES) demo.latencies.push(latency);
  $("frames").textContent = String(demo.frames);
  $("shape").textContent = message.shape;
  const median = meter.median();
  if (median !== null) $("latency").textContent = median.toFixed(0);
}

let shownUrl = null;

function onPortrait(bytes) {
  const url = URL.createObjectURL(new Blob([bytes.slice(4)], { type: "image/jpeg" }));
  const image = $("portrait");
  image.hidden = false;
  image.src = url;
  if (shownUrl) URL.revokeObjectURL(shownUrl);
  shownUrl = url;
  demo.portraitFrames += 1;
}

// After {"type":"end"} the server still sends the frames it owes (portrait frames can lag on a
// busy server); give up only when it has said nothing for END_WAIT_MS.
function waitForEnd(owner) {
  clearTimeout(owner.endTimer);
  owner.endTimer = setTimeout(() => finish(owner), END_WAIT_MS);
}

function onMessage(event, meter, owner) {
  if (owner.stopping) waitForEnd(owner);
  if (typeof event.data !== "string") return onPortrait(event.data);
  const message = JSON.parse(event.data);
  if (message.type === "frame") onFrame(message, meter);
  else if (message.type === "error") fail(message.message);
  else if (message.type === "end") finish(owner);
}

async function start() {
  if (session) return;
  const kind = document.querySelector("input[name=source]:checked").value;
  const fps = Number($("fps").value);
  const portrait = $("portrait-mode").checked;
  const lookaheadMs = Number($("lookahead").value);
  $("start").disabled = true;
  $("stop").disabled = false;
  setStatus("starting");
  try {
    const context = await audioContext();
    const current = (session = { context });
    const source = await soundSource(context, kind);
    session.source = source;
    const ws = await connect(context.sampleRate, fps, portrait, lookaheadMs);
    session.ws = ws;
    const meter = new LatencyMeter(context.sampleRate, fps);
    ws.addEventListener("message", (event) => onMessage(event, meter, current));
    ws.addEventListener("close", () => finish(current));
    const capture = new AudioWorkletNode(context, "pcm-capture", {
      channelCount: 1,
      channelCountMode: "explicit",
      processorOptions: { chunkSamples: Math.round((context.sampleRate * CHUNK_MS) / 1000) },
    });
    capture.port.onmessage = (event) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(event.data);
      meter.sent(event.data.byteLength / 2, performance.now());
    };
    source.node.connect(capture);
    capture.connect(new GainNode(context, { gain: 0 })).connect(context.destination);
    session.capture = capture;
    if (source.play) source.play();
    if (source.ended) source.ended.then(() => setTimeout(() => stop(current), 2 * CHUNK_MS));
    setStatus(`streaming at ${context.sampleRate} Hz, ${fps} fps${portrait ? ", portrait" : ""}`);
  } catch (error) {
    fail(error);
  }
}

// Stop sending: the server answers the end message with its last frames and {"type":"end"}.
// Timers and events of a session that has already ended must not touch the next one.
function stop(which = session) {
  if (!session || session !== which || session.stopping) return;
  session.stopping = true;
  $("stop").disabled = true;
  try {
    session.source?.stop();
  } catch (_) {
    // a clip that already ended
  }
  session.capture?.disconnect();
  if (session.ws?.readyState === WebSocket.OPEN) {
    session.ws.send(JSON.stringify({ type: "end" }));
    if (!demo.status.startsWith("error")) setStatus("finishing");
    waitForEnd(which);
  } else {
    finish(which);
  }
}

function finish(which = session) {
  if (!session || session !== which) return;
  clearTimeout(which.endTimer);
  const { ws, context } = session;
  session = null;
  if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000);
  context?.close();
  $("start").disabled = false;
  $("stop").disabled = true;
  if (!demo.status.startsWith("error")) setStatus("idle");
}

$("start").addEventListener("click", start);
$("stop").addEventListener("click", () => stop());
drawMouth({}, "X");
