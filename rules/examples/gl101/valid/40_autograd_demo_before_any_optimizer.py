# A tutorial shows what backward() does before it builds an optimizer and trains: that first
# backward's .grad is printed, never meant for a step (the loop's zero_grad() clears it).
import torch
import torch.nn.functional as F

w = torch.tensor([2.2], requires_grad=True)
b = torch.tensor([0.0], requires_grad=True)
loss = F.binary_cross_entropy(torch.sigmoid(1.1 * w + b), torch.tensor([1.0]))
loss.backward()
print(w.grad, b.grad)

model = torch.nn.Linear(2, 1)
print("before", model.weight.grad)
F.mse_loss(model(torch.randn(4, 2)), torch.randn(4, 1)).backward()
print("after", model.weight.grad)

optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
for epoch in range(3):
    optimizer.zero_grad()
    loss = F.mse_loss(model(torch.randn(4, 2)), torch.randn(4, 1))
    loss.backward()
    optimizer.step()
