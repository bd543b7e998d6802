# Reduced from Opacus' ghost clipping: a first backward only lets the hooks record the
# per-sample gradient norms and is cleared; a second backward of the rescaled loss is
# stepped. The first backward's gradients are discarded on purpose, and the function's
# caller (which may run it from anywhere) is no step that misses them.
import torch


def run_ghost_clipping(model, optimizer, loss_fn, batches):
    for x, y in batches:
        model.enable_hooks()
        loss_per_sample = loss_fn(model(x), y)
        torch.mean(loss_per_sample).backward(retain_graph=True)
        optimizer.zero_grad()
        rescaled = (model.get_clipping_coef() * loss_per_sample).sum()
        model.disable_hooks()
        rescaled.backward()
        optimizer.step()
        break


def demo(model, optimizer, loss_fn, batches, launch):
    launch(run_ghost_clipping, model, optimizer, loss_fn, batches)
