# Meta-learning: gradients of several tasks accumulate, are averaged in place and logged,
# then one step reads them.
import torch

model = torch.nn.Linear(4, 1)
optimizer = torch.optim.Adam(model.parameters())
tasks = 4

for iteration in range(10):
    optimizer.zero_grad()
    for task in range(tasks):
        x, y = torch.randn(8, 4), torch.randn(8, 1)
        torch.nn.functional.mse_loss(model(x), y).backward()
    for p in model.parameters():
        p.grad.data.mul_(1.0 / tasks)
    print(torch.linalg.vector_norm(model.weight.grad, 2))
    optimizer.step()
