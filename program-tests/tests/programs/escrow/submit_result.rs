//! `submit_result`: the provider delivers before its deadline (the happy path is in
//! `accept_job::accept_and_submit_set_the_deadlines`).

use tessera_client::escrow::errors::EscrowError;
use tessera_program_tests::assert_err;

use super::*;

#[tokio::test]
async fn submit_refuses_after_the_delivery_deadline() {
    let mut f = fixture(0, 0, false).await;
    let job = f.open(1).await;
    let p = f.provider.insecure_clone();
    f.w.accept(&p, &job).await.unwrap();
    f.w.h.set_time(T + 600).await;
    assert_err(f.w.deliver(&p, &job).await, EscrowError::DeliveryDeadlinePassed);
}
