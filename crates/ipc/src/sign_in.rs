//! OpenID Connect sign-in for contexts whose cluster takes ID tokens.

use serde::{Deserialize, Serialize};

use crate::Command;

/// Signs in to a context's OpenID provider in the system browser. Answers once the browser has
/// come back (or the sign-in failed or timed out).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    /// The context.
    pub context: String,
}

impl Command for SignIn {
    const NAME: &'static str = "sign_in";
    type Output = SignedIn;
}

/// Who a context is signed in as, from the verified ID token.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    /// The provider.
    pub issuer: String,
    /// The token's subject.
    pub subject: String,
    /// The token's email claim, when it has one.
    pub email: Option<String>,
    /// The token's groups claim.
    pub groups: Vec<String>,
    /// When the ID token expires (RFC 3339); it is refreshed before then.
    pub expires: String,
}

/// Signs out of a context: its refresh token leaves the keyring.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignOut {
    /// The context.
    pub context: String,
}

impl Command for SignOut {
    const NAME: &'static str = "sign_out";
    type Output = ();
}
