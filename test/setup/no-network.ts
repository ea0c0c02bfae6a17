import "./network-guard.mjs";
