// The CERS help assistant's chat widget. The bot's server serves it as /widget.js, wrapped
// with the socket.io client (`io`) and the office's name and phone (CERS_WIDGET_DEFAULTS):
// see channels/web.py. A page embeds it with one tag:
//   <script src="https://bot.example/widget.js" data-bot-url="https://bot.example" defer></script>
// Optional attributes: data-office-phone, data-office-name (override office.yml's),
// data-reply-timeout (seconds to wait for an answer before saying the bot can't be reached),
// data-lang ("en" or "es"; default: the page's <html lang>). The widget's own words come in
// each language with the script (cers/templates/<language>/widget.yml); the page's language is
// sent with a conversation's first message, so the bot starts in it (the person's words decide after).
// Nothing from a message is ever inserted as HTML: every text goes through textContent. Nothing
// is inline either (no <style>, no style or on* attributes): see docs/channels.md for the
// Content-Security-Policy a county page needs.

/* global io, CERS_WIDGET_DEFAULTS, CERS_WIDGET_CSS */
var script = document.currentScript;
var dataset = (script && script.dataset) || {};
var scriptOrigin = script && script.src ? new URL(script.src, location.href).origin : location.origin;
var BOT_URL = (dataset.botUrl || scriptOrigin).replace(/\/+$/, "");
var OFFICE_NAME = dataset.officeName || CERS_WIDGET_DEFAULTS.officeName || "the office";
var OFFICE_PHONE = dataset.officePhone || CERS_WIDGET_DEFAULTS.officePhone || "";
var REPLY_TIMEOUT_MS = (Number(dataset.replyTimeout) || 30) * 1000;
var TEXTS = CERS_WIDGET_DEFAULTS.texts || {};
var LANG = pageLanguage();
var T = TEXTS[LANG] || TEXTS.en || {};

function pageLanguage() {
  var wanted = (dataset.lang || document.documentElement.lang || "en").toLowerCase().slice(0, 2);
  return TEXTS[wanted] ? wanted : "en";
}
var STORAGE_KEY = "cers-chat:" + BOT_URL;
var MAX_KEPT_MESSAGES = 200;

var state = loadState();
var socket = null;
var sessionReady = false;
var offline = false; // known to be unreachable (connection failed or lost)
var pending = [];
var replyTimer = null;
var offlineTimer = null;

// ------------------------------------------------------------------ storage
function loadState() {
  // lastSent: the message_id of the latest message sent; botSince: bot messages shown since it.
  // A widget coming back sends both, and the bot sends what it missed (channels/web.py).
  var empty = { sessionId: null, open: false, messages: [], lastSent: null, botSince: 0, languageSent: false };
  try {
    var saved = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "null");
    if (saved && Array.isArray(saved.messages)) {
      return {
        sessionId: typeof saved.sessionId === "string" ? saved.sessionId : null,
        open: !!saved.open,
        messages: saved.messages.filter(function (m) { return m && typeof m.text === "string"; }),
        lastSent: typeof saved.lastSent === "string" ? saved.lastSent : null,
        botSince: typeof saved.botSince === "number" && saved.botSince >= 0 ? Math.floor(saved.botSince) : 0,
        languageSent: !!saved.languageSent,
      };
    }
  } catch (e) { /* storage disabled or corrupt: start afresh */ }
  return empty;
}

function saveState() {
  state.messages = state.messages.slice(-MAX_KEPT_MESSAGES);
  try { window.localStorage.setItem(STORAGE_KEY, JSON.stringify(state)); } catch (e) { /* not kept */ }
}

// ------------------------------------------------------------------ DOM helpers
function el(tag, attributes, text) {
  var node = document.createElement(tag);
  Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
  if (text !== undefined) node.textContent = text;
  return node;
}

function phoneHref(phone) {
  var digits = phone.replace(/\D/g, "");
  if (digits.length === 10) digits = "1" + digits;
  return "tel:+" + digits;
}

// Text with web addresses, email addresses and US phone numbers made clickable. Only
// http(s), mailto and tel links are made; everything is added as text nodes.
var LINKABLE = /(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]])|([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})|(\(\d{3}\) ?\d{3}-\d{4})/g;

function linkified(text) {
  var fragment = document.createDocumentFragment();
  var last = 0;
  text.replace(LINKABLE, function (match, url, email, phone, offset) {
    fragment.appendChild(document.createTextNode(text.slice(last, offset)));
    var href = null;
    if (url) {
      try {
        var parsed = new URL(url);
        if (parsed.protocol === "https:" || parsed.protocol === "http:") href = parsed.href;
      } catch (e) { href = null; }
    } else if (email) {
      href = "mailto:" + email;
    } else if (phone) {
      href = phoneHref(phone);
    }
    if (href) {
      var link = el("a", { href: href }, match);
      if (url) {
        link.target = "_blank";
        link.rel = "noopener noreferrer nofollow";
      }
      fragment.appendChild(link);
    } else {
      fragment.appendChild(document.createTextNode(match));
    }
    last = offset + match.length;
    return match;
  });
  fragment.appendChild(document.createTextNode(text.slice(last)));
  return fragment;
}

// ------------------------------------------------------------------ the widget's elements
var host = el("div", { id: "cers-chat-widget" });
var root = host.attachShadow({ mode: "open" });
// The styles (web/src/widget.css; the server puts them in CERS_WIDGET_CSS) as a constructed
// stylesheet: nothing inline, so the widget looks right on a page whose Content-Security-Policy
// has no 'unsafe-inline'. A browser without constructed stylesheets loads /widget.css from the bot.
function applyStyles(shadow) {
  if (typeof CSSStyleSheet === "function" && window.ShadowRoot && "adoptedStyleSheets" in ShadowRoot.prototype &&
      "replaceSync" in CSSStyleSheet.prototype) {
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CERS_WIDGET_CSS);
      shadow.adoptedStyleSheets = [sheet];
      return;
    } catch (e) { /* the stylesheet below instead */ }
  }
  shadow.appendChild(el("link", { rel: "stylesheet", href: BOT_URL + "/widget.css" }));
}
applyStyles(root);

var wrapper = el("div", { class: "widget" });
root.appendChild(wrapper);

var launcher = el("button", { type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "cers-chat-panel" },
  T.launcher);
var panel = el("section", { class: "panel", id: "cers-chat-panel", role: "region", "aria-labelledby": "cers-chat-title" });
panel.hidden = true;
var header = el("header");
var titles = el("div", { class: "titles" });
titles.appendChild(el("h2", { id: "cers-chat-title" }, T.title));
titles.appendChild(el("p", {}, OFFICE_NAME));
var clearButton = el("button", { type: "button", "aria-label": T.new_label }, T.new);
var closeButton = el("button", { type: "button", "aria-label": T.close_label }, T.close);
header.appendChild(titles);
header.appendChild(clearButton);
header.appendChild(closeButton);
var alertBox = el("p", { class: "alert", role: "alert" });
alertBox.hidden = true;
var log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": T.conversation_label, tabindex: "0" });
var typing = el("div", { class: "typing", role: "status", "aria-live": "polite" });
var form = el("form", { "aria-label": T.form_label });
var label = el("label", { for: "cers-chat-input", class: "sr-only" }, T.input_label);
var input = el("input", { id: "cers-chat-input", type: "text", autocomplete: "off", maxlength: "2000",
  placeholder: T.placeholder });
var sendButton = el("button", { type: "submit" }, T.send);
form.appendChild(label);
form.appendChild(input);
form.appendChild(sendButton);
[header, alertBox, log, typing, form].forEach(function (part) { panel.appendChild(part); });
wrapper.appendChild(launcher);
wrapper.appendChild(panel);

// ------------------------------------------------------------------ rendering
function renderMessage(message) {
  var bubble = el("div", { class: "msg " + (message.from === "user" ? "user" : "bot") });
  bubble.appendChild(el("span", { class: "sr-only" }, (message.from === "user" ? T.you_said : T.assistant_said) + " "));
  bubble.appendChild(linkified(message.text));
  log.appendChild(bubble);
}

function renderChoices(buttons) {
  removeChoices();
  var group = el("div", { class: "choices", role: "group", "aria-label": T.choices_label });
  buttons.forEach(function (button) {
    var choice = el("button", { type: "button" }, button.title);
    choice.addEventListener("click", function () {
      if (send(button.payload, button.title)) input.focus();
    });
    group.appendChild(choice);
  });
  log.appendChild(group);
}

function removeChoices() {
  var old = log.querySelectorAll(".choices");
  for (var i = 0; i < old.length; i++) old[i].remove();
}

function renderAll() {
  log.textContent = "";
  state.messages.forEach(renderMessage);
  var lastMessage = state.messages[state.messages.length - 1];
  if (lastMessage && lastMessage.from === "bot" && lastMessage.buttons && lastMessage.buttons.length) {
    renderChoices(lastMessage.buttons);
  }
  scrollDown();
}

function scrollDown() { log.scrollTop = log.scrollHeight; }

function addMessage(message) {
  if (message.from === "bot") state.botSince += 1;
  state.messages.push(message);
  saveState();
  renderMessage(message);
  if (message.buttons && message.buttons.length) renderChoices(message.buttons);
  scrollDown();
}

function showTyping(on) {
  typing.textContent = "";
  typing.hidden = !on;
  if (on) {
    var dots = el("span", { class: "dots", "aria-hidden": "true" });
    dots.appendChild(el("span")); dots.appendChild(el("span")); dots.appendChild(el("span"));
    typing.appendChild(dots);
    typing.appendChild(document.createTextNode(" " + T.typing));
  }
}

function showUnreachable(on) {
  alertBox.textContent = "";
  alertBox.hidden = !on;
  if (!on) return;
  alertBox.appendChild(document.createTextNode(T.unreachable));
  if (OFFICE_PHONE) {
    alertBox.appendChild(document.createTextNode(T.unreachable_call.replace("{office_name}", OFFICE_NAME) + " "));
    alertBox.appendChild(el("a", { href: phoneHref(OFFICE_PHONE) }, OFFICE_PHONE));
  }
  alertBox.appendChild(document.createTextNode("."));
}

// ------------------------------------------------------------------ talking to the bot
function connect() {
  if (socket) return;
  // A bot behind a path (https://county.example/bot) has its socket.io under that path.
  var bot = new URL(BOT_URL);
  socket = io(bot.origin, { path: bot.pathname.replace(/\/+$/, "") + "/socket.io",
    transports: ["websocket", "polling"], timeout: 8000, reconnectionDelayMax: 10000 });
  // Unreachable at first: say so if no connection comes within a few seconds.
  offlineTimer = setTimeout(function () { if (!socket.connected) showUnreachable(true); }, 5000);
  socket.on("connect", function () {
    sessionReady = false;
    socket.emit("session_request", { session_id: state.sessionId, after: state.lastSent, shown: state.botSince });
  });
  socket.on("session_confirm", function (sessionId) {
    if (typeof sessionId === "string") {
      if (state.sessionId && state.sessionId !== sessionId) {
        state.messages = []; state.lastSent = null; state.botSince = 0; renderAll();
      }
      state.sessionId = sessionId;
      saveState();
    }
    sessionReady = true;
    offline = false;
    clearTimeout(offlineTimer);
    showUnreachable(false);
    pending.splice(0).forEach(emitMessage);
    if (!state.messages.length && !replyTimer) greet();
  });
  socket.on("bot_uttered", function (message) {
    if (!message || typeof message !== "object") return;
    stopWaiting();
    var text = typeof message.text === "string" ? message.text : "";
    var replies = message.quick_replies || message.buttons || [];
    var buttons = Array.isArray(replies) ? replies.filter(function (b) {
      return b && typeof b.title === "string" && typeof b.payload === "string";
    }).map(function (b) { return { title: b.title, payload: b.payload }; }) : [];
    if (text || buttons.length) addMessage({ from: "bot", text: text, buttons: buttons });
  });
  socket.on("disconnect", unreachable);
  socket.on("connect_error", unreachable);
}

function unreachable() {
  sessionReady = false;
  offline = true;
  pending = []; // not sent: the person is told, and can send again once the bot is back
  stopWaiting();
  showUnreachable(true);
}

// Each message carries an id of its own: the bot answers a message sent again with the same id
// (a retry) with the reply it already gave, never a second time (channels/dedup.py).
function newMessageId() {
  var bytes = new Uint8Array(16);
  if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(bytes);
  else for (var i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
}

function emitMessage(text) {
  var id = newMessageId();
  state.lastSent = id;
  state.botSince = 0;
  saveState();
  var data = { message: text, session_id: state.sessionId, message_id: id };
  // The page's language goes with the conversation's first message only: after it, the
  // person's own words (or a choice of language) decide.
  if (!state.languageSent) {
    data.page_language = LANG;
    state.languageSent = true;
    saveState();
  }
  socket.emit("user_uttered", data);
}

function stopWaiting() {
  clearTimeout(replyTimer);
  replyTimer = null;
  showTyping(false);
}

function startWaiting() {
  showTyping(true);
  clearTimeout(replyTimer);
  replyTimer = setTimeout(function () { stopWaiting(); showUnreachable(true); }, REPLY_TIMEOUT_MS);
}

// Sends `text` to the bot, showing `shown` (a button's title) or the text itself.
// Returns false when the bot can't be reached (the message is not sent).
function send(text, shown) {
  text = (text || "").trim();
  if (!text) return false;
  if (!socket || offline) {
    showUnreachable(true);
    return false;
  }
  removeChoices();
  addMessage({ from: "user", text: shown || text });
  if (sessionReady) emitMessage(text); else pending.push(text);
  startWaiting();
  return true;
}

function greet() {
  // A first visit starts with the bot's own greeting (domain.yml's utter_greet), in the page's
  // language: the payload's "language" entity sets the conversation's language.
  var payload = "/greet" + JSON.stringify({ language: LANG });
  if (sessionReady) emitMessage(payload); else pending.push(payload);
  startWaiting();
}

// ------------------------------------------------------------------ opening, closing, typing
function setOpen(open, focus) {
  state.open = open;
  saveState();
  panel.hidden = !open;
  launcher.hidden = open;
  launcher.setAttribute("aria-expanded", String(open));
  if (open) {
    connect();
    scrollDown();
    if (focus) input.focus();
  } else if (focus) {
    launcher.focus();
  }
}

launcher.addEventListener("click", function () { setOpen(true, true); });
closeButton.addEventListener("click", function () { setOpen(false, true); });
clearButton.addEventListener("click", function () {
  state.messages = [];
  state.sessionId = null;
  state.lastSent = null;
  state.botSince = 0;
  state.languageSent = false;
  saveState();
  renderAll();
  if (socket && socket.connected) socket.emit("session_request", { session_id: null });
  input.focus();
});
panel.addEventListener("keydown", function (event) {
  if (event.key === "Escape") setOpen(false, true);
});
form.addEventListener("submit", function (event) {
  event.preventDefault();
  if (send(input.value)) input.value = "";
});

function start() {
  document.body.appendChild(host);
  renderAll();
  showTyping(false);
  if (state.open) setOpen(true, false);
}

if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
