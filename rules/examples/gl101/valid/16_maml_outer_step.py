import torch


def meta_train(model, tasks, inner_lr=0.01):
    meta_optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for batch in tasks:
        meta_optimizer.zero_grad()
        meta_loss = 0.0
        for (xs, ys), (xq, yq) in batch:
            params = list(model.parameters())
            loss = torch.nn.functional.mse_loss(model(xs), ys)
            grads = torch.autograd.grad(loss, params, create_graph=True)
            fast = [p - inner_lr * g for p, g in zip(params, grads)]
            meta_loss = meta_loss + torch.nn.functional.mse_loss(
                torch.func.functional_call(model, dict(zip(dict(model.named_parameters()), fast)), (xq,)), yq
            )
        meta_loss.backward()
        meta_optimizer.step()
