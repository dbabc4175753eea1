//! Use-cases about OpenID Connect sign-in: `sign_in` and `sign_out`.

mod browser;
mod sign_in;
mod sign_out;

pub use sign_in::sign_in;
pub use sign_out::sign_out;

use kubedesk_cluster::oidc::Identity;
use kubedesk_ipc as ipc;

/// The wire form of who a sign-in names.
pub(crate) fn signed_in(identity: Identity) -> ipc::SignedIn {
    ipc::SignedIn {
        issuer: identity.issuer,
        subject: identity.subject,
        email: identity.email,
        groups: identity.groups,
        expires: identity.expires.to_string(),
    }
}
