//! ProjectHub: one object per project (`id_from_name("<org>/<project>")`).
//! It holds what must be strongly consistent for that project: the member
//! access snapshot and the grants (`oauth::grants::HubAccess`), and, with the
//! projects issue, the draft and the production pointer. One request at a
//! time: a membership change and a grant check never interleave, so the next
//! request after a change sees it.

use crate::oauth::grants::{HubAccess, MemberAccess, MembershipChange};
use std::collections::BTreeMap;
use worker::*;

#[durable_object]
pub struct ProjectHub {
    state: State,
}

impl ProjectHub {
    async fn load(&self) -> Result<HubAccess> {
        Ok(self
            .state
            .storage()
            .get("access")
            .await?
            .unwrap_or_default())
    }

    async fn save(&self, access: &HubAccess) -> Result<()> {
        self.state.storage().put("access", access).await
    }
}

impl DurableObject for ProjectHub {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let path = req.path();
        let cmd = super::read_command(&mut req).await?;
        let now = cmd["now"].as_i64().unwrap_or(0);
        match path.as_str() {
            "/members/apply" => {
                let change: MembershipChange = serde_json::from_value(cmd["change"].clone())?;
                let mut access = self.load().await?;
                let revoked = access.apply(change, now);
                self.save(&access).await?;
                Response::from_json(&serde_json::json!({ "revoked": revoked }))
            }
            "/members/replace" => {
                let members: BTreeMap<String, MemberAccess> =
                    serde_json::from_value(cmd["members"].clone())?;
                let mut access = self.load().await?;
                let revoked = access.replace_members(members, now);
                self.save(&access).await?;
                Response::from_json(&serde_json::json!({ "revoked": revoked }))
            }
            _ => Response::error("unknown command", 404),
        }
    }
}
