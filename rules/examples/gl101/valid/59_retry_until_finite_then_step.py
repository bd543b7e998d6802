# A step retried until its gradients are finite: each failed try is cleared on purpose,
# and the loop ends (break) once a try succeeds; the step after the loop uses that try.
import torch


def robust_step(model, optimizer, batch, loss_fn):
    while True:
        optimizer.zero_grad()
        loss = loss_fn(model(batch))
        loss.backward()
        if all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None):
            break
        batch = batch * 0.5
    optimizer.step()
