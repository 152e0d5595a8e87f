// After django-otp-webauthn registers a passkey, go on to the next step (recovery codes, or the device list).
document.addEventListener("otp_webauthn.register_complete", () => {
  const form = document.getElementById("passkey-registered");
  if (form) form.submit();
});
