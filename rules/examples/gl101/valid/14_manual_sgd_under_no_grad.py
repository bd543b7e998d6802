import torch

w = torch.randn(3, requires_grad=True)
optimizer_name = "manual sgd"
lr = 0.1

for x, y in [(torch.randn(3), torch.tensor(1.0))] * 10:
    loss = (w @ x - y) ** 2
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        w.grad.zero_()
