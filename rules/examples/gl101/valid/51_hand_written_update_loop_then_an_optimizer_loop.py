# The same chapter with both loops whole: the first updates by hand from .grad, the second
# steps its optimizer.
import torch

weight = torch.randn(1, requires_grad=True)
bias = torch.zeros(1, requires_grad=True)
x, y = torch.randn(10, 1), torch.randn(10, 1)

for epoch in range(10):
    loss = ((x * weight + bias - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        weight -= weight.grad * 0.001
        bias -= bias.grad * 0.001
        weight.grad.zero_()
        bias.grad.zero_()

model = torch.nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
for epoch in range(10):
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
