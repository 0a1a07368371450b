"""The frozen bundle's `cryptography`: the one cipher SecretStorage uses, over the bundle's OpenSSL.

On Linux the app keeps its session tokens in the desktop's keychain through keyring's Secret
Service backend (SecretStorage). SecretStorage needs `cryptography` for one thing: AES-128-CBC
for the secret it sends and receives over D-Bus (the Diffie-Hellman key agreement and the HKDF are
its own Python code; padding is its own too). The real package is 12 MB (a Rust extension with
OpenSSL linked in); this is the same cipher from the libcrypto the interpreter's `_ssl` and
`_hashlib` already load, with the same API for what SecretStorage calls:
`Cipher(algorithms.AES(key), modes.CBC(iv), default_backend()).encryptor()/.decryptor()`,
`.update(data)`, `.finalize()`. Anything else in `cryptography` is absent on purpose.
"""

__version__ = "bundle-aes-cbc"
