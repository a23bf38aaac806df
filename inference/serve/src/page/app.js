// The page's behaviour: choose a photo and a style, send them to /v1/stylize, show the answer.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { content: null, styleId: null, styleFile: null, resultUrl: null };

// The API key, when the server asks for one: kept for this tab only, asked for again if refused.
const KEY_STORE = "adain-api-key";
let apiKey = sessionStorage.getItem(KEY_STORE);
let keyWaiters = [];

function askForKey(message) {
  $("key-status").textContent = message;
  $("key-form").hidden = false;
  $("key").focus();
  return new Promise((resolve) => keyWaiters.push(resolve));
}

$("key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  apiKey = $("key").value.trim();
  sessionStorage.setItem(KEY_STORE, apiKey);
  $("key").value = "";
  $("key-form").hidden = true;
  const waiting = keyWaiters;
  keyWaiters = [];
  waiting.forEach((resume) => resume());
});

// fetch() with the key; a 401 asks for it (again) and retries.
async function api(url, options = {}) {
  for (;;) {
    const headers = new Headers(options.headers || {});
    if (apiKey) headers.set("Authorization", `Bearer ${apiKey}`);
    const response = await fetch(url, { ...options, headers });
    if (response.status !== 401) return response;
    await askForKey(apiKey ? "That key was not accepted; try another." : "");
  }
}

// An <img> cannot send the key: with one, thumbnails come through fetch().
async function imageSource(url) {
  if (!apiKey) return url;
  const response = await api(url);
  return URL.createObjectURL(await response.blob());
}

function setStatus(text, isError) {
  $("status").textContent = text;
  $("status").classList.toggle("error", Boolean(isError));
}

function refreshButton() {
  $("go").disabled = !(state.content && (state.styleId || state.styleFile));
}

function chooseContent(file) {
  if (!file) return;
  state.content = file;
  const preview = $("content-preview");
  preview.src = URL.createObjectURL(file);
  preview.hidden = false;
  $("drop-hint").hidden = true;
  refreshButton();
}

function selectCard(card) {
  for (const other of document.querySelectorAll(".style-card")) {
    other.setAttribute("aria-checked", String(other === card));
  }
}

async function loadGallery() {
  try {
    const response = await api("/v1/styles");
    const styles = await response.json();
    for (const style of styles.filter((s) => s.thumbnail)) {
      const card = document.createElement("button");
      card.type = "button";
      card.className = "style-card";
      card.dataset.id = style.id;
      card.setAttribute("role", "radio");
      card.setAttribute("aria-checked", "false");
      card.innerHTML = `<img alt=""><span></span>`;
      card.querySelector("img").src = await imageSource(style.thumbnail);
      card.querySelector("span").textContent = style.name;
      card.addEventListener("click", () => {
        state.styleId = style.id;
        state.styleFile = null;
        $("style-file").value = "";
        selectCard(card);
        refreshButton();
      });
      $("gallery").append(card);
    }
  } catch (error) {
    setStatus(`Could not list the styles: ${error}`, true);
  }
}

async function stylize() {
  const form = new FormData();
  form.append("content", state.content);
  if (state.styleFile) form.append("style", state.styleFile);
  else form.append("style_id", state.styleId);
  form.append("alpha", $("alpha").value);
  form.append("palette", $("palette").value);
  form.append("format", $("format").value);
  $("go").disabled = true;
  setStatus("Stylizing…");
  const started = performance.now();
  try {
    const response = await api("/v1/stylize", { method: "POST", body: form });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({ detail: response.statusText }));
      throw new Error(problem.detail || response.statusText);
    }
    const blob = await response.blob();
    if (state.resultUrl) URL.revokeObjectURL(state.resultUrl);
    state.resultUrl = URL.createObjectURL(blob);
    const result = $("result");
    result.onload = () => {
      setStatus(`Done in ${((performance.now() - started) / 1000).toFixed(2)} s — ` +
                `${result.naturalWidth}×${result.naturalHeight}`);
    };
    result.src = state.resultUrl;
    result.hidden = false;
    const link = $("download");
    link.href = state.resultUrl;
    link.download = `stylized.${$("format").value === "jpeg" ? "jpg" : $("format").value}`;
    link.hidden = false;
  } catch (error) {
    setStatus(`Failed: ${error.message}`, true);
  } finally {
    refreshButton();
  }
}

$("content-file").addEventListener("change", (e) => chooseContent(e.target.files[0]));
$("style-file").addEventListener("change", (e) => {
  state.styleFile = e.target.files[0] || null;
  if (state.styleFile) {
    state.styleId = null;
    selectCard(null);
  }
  refreshButton();
});
$("alpha").addEventListener("input", (e) => {
  $("alpha-value").textContent = Number(e.target.value).toFixed(2);
});
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  chooseContent(e.dataTransfer.files[0]);
});
$("go").addEventListener("click", stylize);
loadGallery();
