// After a security key is registered, continue to the user's security page.
document.addEventListener('otp_webauthn.register_complete', () => {
  const placeholder = document.getElementById('passkey-registration-placeholder')
  window.location.assign(placeholder.dataset.next)
})
